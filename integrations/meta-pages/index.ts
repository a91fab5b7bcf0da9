// Meta Graph organic insights (Facebook Pages, Instagram professional accounts): credentials, the daily import, normalisation.
export { metaPagesCredentialsSchema, type MetaPagesCredentials } from './credentials';
export { graphInsightsResponseSchema, socialInsightsDaySchema } from './schemas';
export { normaliseSocialInsightsDay } from './normalise';
export { createMetaPagesStream, dayOfEndTime, META_PAGES_STREAM, FACEBOOK_PAGE_METRICS, INSTAGRAM_TOTAL_METRICS, INSTAGRAM_SERIES_METRICS } from './import';

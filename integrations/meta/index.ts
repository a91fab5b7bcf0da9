// Meta Marketing API: the public API of this integration (credentials, the ad spend import, normalisation).
export { metaCredentialsSchema, type MetaCredentials } from './credentials';
export { metaInsightsRowSchema, metaInsightsPageSchema, type MetaInsightsRow } from './schemas';
export { normaliseMetaInsightsRow } from './normalise';
export { createMetaSpendStream, classifyMetaError, META_INSIGHTS_FIELDS, type MetaStreamOptions } from './import';

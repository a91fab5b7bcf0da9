// X (Twitter) API v2: credentials, the daily account import, normalisation.
export { xCredentialsSchema, type XCredentials } from './credentials';
export { xAccountDaySchema, xPostSchema, xTimelinePageSchema, xUserSchema } from './schemas';
export { normaliseXAccountDay } from './normalise';
export { createXStream, classifyXError, X_STREAM, X_MAX_RESULTS, type XStreamOptions } from './import';

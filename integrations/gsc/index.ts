// Google Search Console: the public API of this integration (credentials, the search analytics import, normalisation).
export { gscCredentialsSchema, GSC_SEARCH_TYPES, type GscCredentials } from './credentials';
export { gscQueryResponseSchema, gscRowSchema, type GscRow } from './schemas';
export { normaliseGscRow } from './normalise';
export { createGscStream, classifyGscError, gscQueryUrl, parseGscPage, GSC_STREAM, GSC_MAX_ROW_LIMIT, GSC_QUERY_PAGE_DIMENSIONS, GSC_APPEARANCE_DIMENSIONS, type GscStreamOptions } from './import';

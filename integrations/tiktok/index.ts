// TikTok Business API: the public API of this integration (credentials, the ad spend import, normalisation).
export { tiktokCredentialsSchema, type TikTokCredentials } from './credentials';
export { tiktokReportRowSchema, tiktokReportDataSchema, type TikTokReportRow } from './schemas';
export { normaliseTikTokReportRow } from './normalise';
export { createTikTokSpendStream, tiktokError, TIKTOK_DIMENSIONS, TIKTOK_METRICS, TIKTOK_REPORT_PATH, TIKTOK_MAX_PAGE_SIZE, TIKTOK_RATE_LIMIT_CODE, type TikTokStreamOptions } from './import';

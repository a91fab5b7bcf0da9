// Google Ads: the public API of this integration (credentials, the ad spend import, normalisation).
export { googleAdsCredentialsSchema, type GoogleAdsCredentials } from './credentials';
export { googleAdsRowSchema, googleAdsSearchStreamSchema, type GoogleAdsRow } from './schemas';
export { normaliseGoogleAdsRow } from './normalise';
export { createGoogleAdsSpendStream, googleAdsSpendQuery, classifyGoogleError, GOOGLE_ADS_SPEND_FIELDS } from './import';

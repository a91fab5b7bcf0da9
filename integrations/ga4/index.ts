// GA4 Measurement Protocol: the public API of this integration (server-side purchase events only).
export { ga4CredentialsSchema, type Ga4Credentials } from './credentials';
export { sendGa4Events, validateGa4Events, ga4ValidationSchema } from './measurement-protocol';

// Twilio: signed status callbacks and inbound messages (form-encoded) → message_sends and message_events.
export { twilioCredentialsSchema, type TwilioCredentials } from './credentials';
export { verifyTwilioWebhook, twilioSignature, parseTwilioForm, isInbound, type TwilioParams } from './webhook';
export { normaliseTwilioWebhook, REPLY_MATCH_DAYS } from './normalise';

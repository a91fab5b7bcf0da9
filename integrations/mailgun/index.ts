// Mailgun: signed event webhooks → message_sends and message_events (no import stream).
export { mailgunCredentialsSchema, type MailgunCredentials } from './credentials';
export { verifyMailgunWebhook, mailgunSignature } from './webhook';
export { normaliseMailgunWebhook } from './normalise';

// Mailgun and Twilio deliveries signed the way the providers sign them (../shared/REFERENCE.md), written
// from the documented rules, independently of integrations/mailgun and integrations/twilio.
import { createHmac, randomBytes } from 'node:crypto';

/** A Mailgun webhook body: {"signature": {timestamp, token, signature}, "event-data": {...}}. */
export function mailgunWebhookBody(signingKey: string, eventData: Record<string, unknown>, options: { token?: string; timestamp?: string } = {}): string {
  const timestamp = options.timestamp ?? String(Math.floor(Date.now() / 1000));
  const token = options.token ?? randomBytes(25).toString('hex');
  const signature = createHmac('sha256', signingKey).update(timestamp + token).digest('hex');
  return JSON.stringify({ signature: { timestamp, token, signature }, 'event-data': eventData });
}

export function mailgunEvent(fields: Record<string, unknown> & { event: string }): Record<string, unknown> {
  return {
    id: randomBytes(11).toString('base64url'),
    timestamp: 1709287200.123,
    recipient: 'Jane.Doe@Example.com',
    tags: ['spring-sale'],
    'user-variables': { lux_campaign_id: 'spring', lux_message_id: 'welcome-v2', lux_creative_id: 'hero-a' },
    message: { headers: { 'message-id': '20240301100000.1.ABC@mg.example.com', to: 'Jane.Doe@Example.com', subject: 'Spring' } },
    ...fields,
  };
}

/** Twilio's X-Twilio-Signature: base64(HMAC-SHA1(auth token, URL + each param name+value sorted by name)). */
export function twilioRequestSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, name) => acc + name + params[name], url);
  return createHmac('sha1', authToken).update(data).digest('base64');
}

export function twilioForm(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

import { normaliseMailgunWebhook, verifyMailgunWebhook } from '../../../integrations/mailgun';
import { normaliseTwilioWebhook, parseTwilioForm, twilioSignature, verifyTwilioWebhook } from '../../../integrations/twilio';
import { hashEmail } from '../../../lib/enrichment/privacy';
import { hashPhone } from '../../../lib/messages/records';
import { mailgunEvent, mailgunWebhookBody, twilioForm, twilioRequestSignature } from '../../support/fakes/messaging';

const KEY = 'mailgun-signing-key-0123456789';

describe('Mailgun webhooks', () => {
  it('verify the HMAC of timestamp + token and key the delivery by its token', () => {
    const body = mailgunWebhookBody(KEY, mailgunEvent({ event: 'delivered', id: 'ev-1' }), { token: 'a'.repeat(50), timestamp: '1709287200' });
    expect(verifyMailgunWebhook(Buffer.from(body), KEY)).toMatchObject({ ok: true, webhook: { topic: 'delivered', dedupeKey: `token:${'a'.repeat(50)}`, deliveryId: 'ev-1' } });
  });

  it('refuse another key, a changed timestamp or token, a missing block, and non-JSON', () => {
    const body = mailgunWebhookBody(KEY, mailgunEvent({ event: 'delivered' }), { token: 'b'.repeat(50), timestamp: '1709287200' });
    expect(verifyMailgunWebhook(Buffer.from(body), 'another-key-0123456789').ok).toBe(false);
    expect(verifyMailgunWebhook(Buffer.from(body.replace('1709287200', '1709287201')), KEY).ok).toBe(false);
    expect(verifyMailgunWebhook(Buffer.from(body.replace('b'.repeat(50), 'c'.repeat(50))), KEY).ok).toBe(false);
    expect(verifyMailgunWebhook(Buffer.from(JSON.stringify({ 'event-data': { event: 'delivered' } })), KEY)).toMatchObject({ ok: false, reason: expect.stringMatching(/signature/) as unknown });
    expect(verifyMailgunWebhook(Buffer.from('token=x'), KEY)).toMatchObject({ ok: false, reason: expect.stringMatching(/not JSON/) as unknown });
  });

  const normalise = (fields: Record<string, unknown> & { event: string }) => normaliseMailgunWebhook(fields.event, JSON.parse(mailgunWebhookBody(KEY, mailgunEvent(fields))));

  it('turn an event into the send and the event, with hashed recipient and user variables', () => {
    const result = normalise({ event: 'delivered', id: 'ev-2' });
    expect(result).toEqual({
      ok: true,
      records: [
        { kind: 'message_send', send: { provider: 'mailgun', sendId: '20240301100000.1.ABC@mg.example.com', channel: 'email', campaignId: 'spring', messageId: 'welcome-v2', creativeId: 'hero-a', conceptAngle: null, recipientHash: hashEmail('jane.doe@example.com'), sentAt: '2024-03-01T10:00:00.123Z', recordedBy: 'webhook' } },
        { kind: 'message_event', event: expect.objectContaining({ provider: 'mailgun', providerEventId: 'ev-2', eventType: 'delivered', occurredAt: '2024-03-01T10:00:00.123Z', proxyOpen: false }) as unknown },
      ],
    });
    expect(JSON.stringify(result)).not.toMatch(/jane/i);
  });

  it('read permanent failures as bounces and temporary ones as failures', () => {
    const event = (r: ReturnType<typeof normalise>) => (r.ok ? r.records[1] : null);
    expect(event(normalise({ event: 'failed', severity: 'permanent', reason: 'bounce' }))).toMatchObject({ event: { eventType: 'bounced', severity: 'permanent', reason: 'bounce' } });
    expect(event(normalise({ event: 'failed', severity: 'temporary', reason: 'espblock' }))).toMatchObject({ event: { eventType: 'failed', severity: 'temporary' } });
  });

  it('keep the clicked URL without emails, flag proxy opens, ignore other events', () => {
    const click = normalise({ event: 'clicked', url: 'https://shop.example/?e=jane@example.com' });
    expect(click.ok && click.records[1]).toMatchObject({ event: { eventType: 'clicked', url: 'https://shop.example/?e=[email]' } });
    const open = normalise({ event: 'opened', 'client-info': { 'user-agent': 'Mozilla/5.0' } });
    expect(open.ok && open.records[1]).toMatchObject({ event: { eventType: 'opened', proxyOpen: true } });
    expect(normalise({ event: 'stored' })).toEqual({ ok: true, records: [] });
    expect(normaliseMailgunWebhook('delivered', { 'event-data': { event: 'delivered' } })).toMatchObject({ ok: false });
  });
});

describe('Twilio requests', () => {
  const TOKEN = '12345';

  it("match Twilio's documented signature example", () => {
    const params = { CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030', To: '+18005551212' };
    expect(twilioSignature(TOKEN, 'https://mycompany.com/myapp.php?foo=1&bar=2', params)).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
    expect(twilioRequestSignature(TOKEN, 'https://mycompany.com/myapp.php?foo=1&bar=2', params)).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
  });

  const url = 'https://collect.example/webhooks/twilio/lux_pk_x?campaign=spring';
  const status = { AccountSid: `AC${'a'.repeat(32)}`, MessageSid: 'SM1', MessageStatus: 'delivered', SmsStatus: 'delivered', To: '+4915112345678', From: '+15005550006' };

  it('verify status callbacks over URL + sorted params and key them by sid and status', () => {
    const body = Buffer.from(twilioForm(status));
    const headers = { 'x-twilio-signature': twilioRequestSignature(TOKEN, url, status) };
    expect(verifyTwilioWebhook(body, headers, { authToken: TOKEN, url })).toMatchObject({ ok: true, webhook: { topic: 'status.delivered', dedupeKey: 'status:SM1:delivered' } });
    expect(verifyTwilioWebhook(body, headers, { authToken: TOKEN, url: url.replace('spring', 'fall') }).ok).toBe(false);
    expect(verifyTwilioWebhook(Buffer.from(twilioForm({ ...status, MessageStatus: 'failed' })), headers, { authToken: TOKEN, url }).ok).toBe(false);
    expect(verifyTwilioWebhook(body, {}, { authToken: TOKEN, url })).toMatchObject({ ok: false, reason: expect.stringMatching(/missing/) as unknown });
    expect(verifyTwilioWebhook(body, headers, { authToken: TOKEN, url, accountSid: `AC${'b'.repeat(32)}` })).toMatchObject({ ok: false, reason: expect.stringMatching(/account/) as unknown });
  });

  it('read delivered, failed and inbound STOP / replies', () => {
    const at = '2024-03-01T10:00:00.000Z';
    expect(normaliseTwilioWebhook('status.delivered', parseTwilioForm(twilioForm(status)), at)).toMatchObject({
      ok: true,
      records: [{ kind: 'message_send', send: { sendId: 'SM1', channel: 'sms', recipientHash: hashPhone('+4915112345678') } }, { kind: 'message_event', event: { providerEventId: 'SM1:delivered', eventType: 'delivered', occurredAt: at } }],
    });
    const failed = normaliseTwilioWebhook('status.undelivered', { ...status, MessageStatus: 'undelivered', ErrorCode: '30003' }, at);
    expect(failed.ok && failed.records[1]).toMatchObject({ event: { eventType: 'failed', severity: 'permanent', reason: 'undelivered (error 30003)' } });
    const inbound = { AccountSid: status.AccountSid, MessageSid: 'SM9', SmsStatus: 'received', From: '+4915112345678', To: '+15005550006', Body: 'Stop' };
    expect(normaliseTwilioWebhook('inbound', inbound, at)).toMatchObject({ ok: true, records: [{ event: { eventType: 'opted_out', sendId: null, providerEventId: 'inbound:SM9', recipientHash: hashPhone('+4915112345678'), matchLatestSmsSendDays: 7 } }] });
    expect(normaliseTwilioWebhook('inbound', { ...inbound, Body: 'Is this still on?' }, at)).toMatchObject({ ok: true, records: [{ event: { eventType: 'replied' } }] });
    expect(JSON.stringify(normaliseTwilioWebhook('inbound', { ...inbound, Body: 'my secret text' }, at))).not.toMatch(/secret/);
    expect(normaliseTwilioWebhook('status.sending', { ...status, MessageStatus: 'sending' }, at)).toEqual({ ok: true, records: [] });
    expect(normaliseTwilioWebhook('status.x', { ...status, MessageStatus: 'exploded' }, at)).toMatchObject({ ok: false });
  });

  it('verify inbound messages and key them by sid', () => {
    const inbound = { AccountSid: status.AccountSid, MessageSid: 'SM9', SmsStatus: 'received', From: '+4915112345678', To: '+15005550006', Body: 'STOP' };
    const headers = { 'x-twilio-signature': twilioRequestSignature(TOKEN, url, inbound) };
    expect(verifyTwilioWebhook(Buffer.from(twilioForm(inbound)), headers, { authToken: TOKEN, url })).toMatchObject({ ok: true, webhook: { topic: 'inbound', dedupeKey: 'inbound:SM9' } });
  });
});

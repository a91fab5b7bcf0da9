// Email and SMS end to end: Mailgun and Twilio deliveries signed the way they sign → collector (verify,
// store raw, start workflow) → real Temporal → message_sends / message_events; the first-party send log,
// open pixel and click redirect; and revenue per send from the daily rollup workflow, computed by hand.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { sql } from 'slonik';
import { z } from 'zod';
import { hashEmail } from '../../lib/enrichment/privacy';
import { linkRef } from '../../lib/messages/links';
import { hashPhone } from '../../lib/messages/records';
import { connectVendor, countRows, postWebhook } from '../support/commerce';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { mailgunEvent, mailgunWebhookBody, twilioForm, twilioRequestSignature } from '../support/fakes/messaging';
import { createTestCompany } from '../support/fixtures';
import { startMessageStack } from '../support/messages';
import { connectTestTemporal } from '../support/temporal';

const MAILGUN_KEY = 'key-mailgun-webhook-signing-0123456789';
const TWILIO_TOKEN = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

let db: TestDatabase;
let env: TestWorkflowEnvironment;
let stack: Awaited<ReturnType<typeof startMessageStack>>;

beforeAll(async () => {
  db = await createTestDatabase();
  env = await connectTestTemporal();
  stack = await startMessageStack(db, env);
});
afterAll(async () => {
  await stack?.stop();
  await env?.teardown();
  await db?.drop();
});

const eventRow = z.object({ provider: z.string(), provider_event_id: z.string(), send_id: z.string().nullable(), event_type: z.string(), proxy_open: z.boolean(), recorded_by: z.string() });
const events = (companyId: string) =>
  db.ownerPool.any(sql.type(eventRow)`
    SELECT provider, provider_event_id, send_id, event_type, proxy_open, recorded_by FROM message_events WHERE company_id = ${companyId} ORDER BY received_at, provider_event_id`);
const sendRow = z.object({ provider: z.string(), send_id: z.string(), channel: z.string(), campaign_id: z.string().nullable(), recipient_hash: z.string().nullable() });
const sends = (companyId: string) =>
  db.ownerPool.any(sql.type(sendRow)`SELECT provider, send_id, channel, campaign_id, recipient_hash FROM message_sends WHERE company_id = ${companyId} ORDER BY provider, send_id`);

describe('Mailgun', () => {
  async function mailgunCompany() {
    const company = await createTestCompany(db.ownerPool);
    await connectVendor(db, company.companyId, 'mailgun', { webhookSigningKey: MAILGUN_KEY });
    return { ...company, url: `${stack.collector.url}/webhooks/mailgun/${company.siteKey}` };
  }
  const post = (url: string, body: string) => postWebhook(url, body, { 'content-type': 'application/json' });

  test('a signed event is stored raw, processed by a workflow into the send and its event', async () => {
    const company = await mailgunCompany();
    const answer = await post(company.url, mailgunWebhookBody(MAILGUN_KEY, mailgunEvent({ event: 'delivered', id: 'mg-ev-1' })));
    expect(answer).toMatchObject({ status: 200, body: { duplicate: false } });
    await expect(stack.awaitWorkflow(answer.body?.workflow_id as string)).resolves.toMatchObject({ outcome: 'stored', counts: { messageSends: 1, messageEvents: 1 } });
    expect(await sends(company.companyId)).toEqual([
      { provider: 'mailgun', send_id: '20240301100000.1.ABC@mg.example.com', channel: 'email', campaign_id: 'spring', recipient_hash: hashEmail('jane.doe@example.com') },
    ]);
    expect(await events(company.companyId)).toEqual([expect.objectContaining({ provider_event_id: 'mg-ev-1', event_type: 'delivered', recorded_by: 'webhook' })]);
  });

  test('a replayed token is refused, even with other event data, and stores nothing', async () => {
    const company = await mailgunCompany();
    const token = 'f'.repeat(50);
    const first = await post(company.url, mailgunWebhookBody(MAILGUN_KEY, mailgunEvent({ event: 'opened', id: 'mg-ev-2' }), { token }));
    expect(first.status).toBe(200);
    await stack.awaitWorkflow(first.body?.workflow_id as string);
    // the same delivery again, and the same (valid) signature block carrying an invented click
    const replay = await post(company.url, mailgunWebhookBody(MAILGUN_KEY, mailgunEvent({ event: 'opened', id: 'mg-ev-2' }), { token }));
    const forged = await post(company.url, mailgunWebhookBody(MAILGUN_KEY, mailgunEvent({ event: 'clicked', id: 'mg-forged' }), { token }));
    expect([replay.status, forged.status]).toEqual([406, 406]);
    expect(String(forged.body?.error)).toMatch(/replay refused/);
    expect(await countRows(db, 'raw_webhooks', company.companyId)).toBe(1);
    expect((await events(company.companyId)).map((e) => e.provider_event_id)).toEqual(['mg-ev-2']);
  });

  test('a redelivered event (new token, same event id) is stored once', async () => {
    const company = await mailgunCompany();
    const results = [];
    for (let i = 0; i < 3; i++) {
      const answer = await post(company.url, mailgunWebhookBody(MAILGUN_KEY, mailgunEvent({ event: 'clicked', id: 'mg-ev-3', url: 'https://shop.example/' })));
      expect(answer.status).toBe(200);
      results.push(await stack.awaitWorkflow(answer.body?.workflow_id as string));
    }
    expect(results.map((r) => (r as { counts: { messageEvents: number } }).counts.messageEvents)).toEqual([1, 0, 0]);
    expect(await countRows(db, 'message_events', company.companyId)).toBe(1);
  });

  test('a bad signature yields 401 and stores nothing', async () => {
    const company = await mailgunCompany();
    const body = mailgunWebhookBody('another-signing-key-0123456789', mailgunEvent({ event: 'delivered' }));
    expect((await post(company.url, body)).status).toBe(401);
    const tampered = JSON.parse(mailgunWebhookBody(MAILGUN_KEY, mailgunEvent({ event: 'delivered' }))) as { signature: { timestamp: string } };
    tampered.signature.timestamp = '1';
    expect((await post(company.url, JSON.stringify(tampered))).status).toBe(401);
    expect(await countRows(db, 'raw_webhooks', company.companyId)).toBe(0);
  });
});

describe('Twilio', () => {
  async function twilioCompany() {
    const company = await createTestCompany(db.ownerPool);
    await connectVendor(db, company.companyId, 'twilio', { authToken: TWILIO_TOKEN });
    return { ...company, url: `${stack.collector.url}/webhooks/twilio/${company.siteKey}` };
  }
  const deliver = (url: string, params: Record<string, string>, token = TWILIO_TOKEN) =>
    postWebhook(url, twilioForm(params), { 'content-type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': twilioRequestSignature(token, url, params) });
  const status = (sid: string, messageStatus: string) => ({ AccountSid: `AC${'0'.repeat(32)}`, MessageSid: sid, SmsSid: sid, MessageStatus: messageStatus, SmsStatus: messageStatus, To: '+4915112345678', From: '+15005550006', ApiVersion: '2010-04-01' });

  test('a status callback signed over the URL and sorted parameters becomes a delivery', async () => {
    const company = await twilioCompany();
    const url = `${company.url}?campaign=spring`; // the query is part of what Twilio signs
    const answer = await deliver(url, status('SM100', 'delivered'));
    expect(answer.status).toBe(200);
    await expect(stack.awaitWorkflow(answer.body?.workflow_id as string)).resolves.toMatchObject({ counts: { messageSends: 1, messageEvents: 1 } });
    expect(await sends(company.companyId)).toEqual([{ provider: 'twilio', send_id: 'SM100', channel: 'sms', campaign_id: null, recipient_hash: hashPhone('+4915112345678') }]);
    // the same callback again is a duplicate; a signature over another URL or by another token is refused
    expect((await deliver(url, status('SM100', 'delivered'))).body?.duplicate).toBe(true);
    const params = status('SM101', 'delivered');
    const wrongUrl = await postWebhook(url, twilioForm(params), { 'content-type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': twilioRequestSignature(TWILIO_TOKEN, company.url, params) });
    expect(wrongUrl.status).toBe(401);
    expect((await deliver(url, params, 'b'.repeat(32))).status).toBe(401);
    expect(await countRows(db, 'raw_webhooks', company.companyId)).toBe(1);
  });

  test('a STOP reply opts the recipient out of the SMS they answered; other replies are responses', async () => {
    const company = await twilioCompany();
    const sent = await deliver(company.url, status('SM200', 'sent'));
    await stack.awaitWorkflow(sent.body?.workflow_id as string);
    const reply = (sid: string, body: string) => ({ AccountSid: `AC${'0'.repeat(32)}`, MessageSid: sid, SmsSid: sid, SmsStatus: 'received', From: '+4915112345678', To: '+15005550006', Body: body, NumMedia: '0' });
    for (const [sid, body] of [['SM201', 'Stop'], ['SM202', 'Who is this?']] as const) {
      const answer = await deliver(company.url, reply(sid, body));
      expect(answer.status).toBe(200);
      await stack.awaitWorkflow(answer.body?.workflow_id as string);
    }
    // a reply from a number we never texted is kept, matched to no send
    const stranger = await deliver(company.url, { ...reply('SM203', 'STOP'), From: '+4917000000000' });
    await stack.awaitWorkflow(stranger.body?.workflow_id as string);
    expect((await events(company.companyId)).map((e) => [e.provider_event_id, e.event_type, e.send_id])).toEqual([
      ['SM200:sent', 'sent', 'SM200'],
      ['inbound:SM201', 'opted_out', 'SM200'],
      ['inbound:SM202', 'replied', 'SM200'],
      ['inbound:SM203', 'opted_out', null],
    ]);
  });
});

describe('first-party send log, open pixel and click redirect', () => {
  const sendLog = (secretKey: string, body: unknown) =>
    fetch(`${stack.collector.url}/m/send-log`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${secretKey}` }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
  type Tracking = Array<{ send_id: string; open_pixel_url?: string; links: Array<{ url: string; tracked_url: string }> }>;

  test('a logged send gets a no-cache pixel and a redirect that goes only to the signed URL', async () => {
    const company = await createTestCompany(db.ownerPool);
    const logged = await sendLog(company.secretKey, {
      sends: [{ send_id: 'smtp-1', channel: 'email', campaign_id: 'spring', creative_id: 'hero-a', recipient: 'Ann@Example.com', sent_at: '2024-03-01T09:00:00Z', links: ['https://shop.example/p/1?color=red'] }],
    });
    expect(logged.status).toBe(200);
    const [tracking] = logged.body.tracking as Tracking;
    expect(tracking?.open_pixel_url).toMatch(/\/m\/o\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.gif$/);

    const pixel = await fetch(tracking!.open_pixel_url!, { headers: { 'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)' } });
    expect([pixel.status, pixel.headers.get('content-type'), pixel.headers.get('cache-control')]).toEqual([200, 'image/gif', expect.stringContaining('no-store')]);
    expect(Buffer.from(await pixel.arrayBuffer()).subarray(0, 6).toString()).toBe('GIF89a');
    await fetch(tracking!.open_pixel_url!, { headers: { 'user-agent': 'Mozilla/5.0' } }); // Apple MPP

    const trackedUrl = tracking!.links[0]!.tracked_url;
    const click = await fetch(trackedUrl, { redirect: 'manual' });
    expect(click.status).toBe(302);
    const location = new URL(click.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe('https://shop.example/p/1');
    expect(Object.fromEntries(location.searchParams)).toEqual({ color: 'red', lux_mid: linkRef('smtp', 'smtp-1'), utm_source: 'smtp', utm_medium: 'email', utm_campaign: 'spring', utm_content: 'hero-a' });

    // tampered tokens: no redirect, nothing stored
    const token = trackedUrl.split('/m/c/')[1]!;
    const [payload, signature] = token.split('.');
    const evil = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), u: 'https://evil.example/' })).toString('base64url');
    for (const bad of [`${evil}.${signature}`, `${payload}.${signature!.slice(0, -2)}xx`, 'nonsense']) {
      const refused = await fetch(`${stack.collector.url}/m/c/${bad}`, { redirect: 'manual' });
      expect([refused.status, refused.headers.get('location')]).toEqual([400, null]);
    }
    expect((await fetch(`${stack.collector.url}/m/o/${bad(tracking!.open_pixel_url!)}`)).status).toBe(400);

    expect((await events(company.companyId)).map((e) => [e.event_type, e.proxy_open, e.recorded_by])).toEqual([
      ['opened', false, 'pixel'],
      ['opened', true, 'pixel'],
      ['clicked', false, 'redirect'],
    ]);
    expect(await sends(company.companyId)).toEqual([{ provider: 'smtp', send_id: 'smtp-1', channel: 'email', campaign_id: 'spring', recipient_hash: hashEmail('ann@example.com') }]);
  });

  function bad(pixelUrl: string): string {
    const file = pixelUrl.split('/m/o/')[1]!;
    return `${file.slice(0, 3)}${file[3] === 'A' ? 'B' : 'A'}${file.slice(4)}`;
  }

  test('SMS sends get short links; send-log events are stored once per event id', async () => {
    const company = await createTestCompany(db.ownerPool);
    const body = { sends: [{ provider: 'twilio', send_id: 'SM900', channel: 'sms', campaign_id: 'flash', recipient: '+4915112345678', links: ['https://shop.example/sale'] }] };
    const first = await sendLog(company.secretKey, body);
    const again = await sendLog(company.secretKey, body);
    const short = (first.body.tracking as Tracking)[0]!.links[0]!.tracked_url;
    expect(short).toMatch(/\/m\/s\/[A-Za-z0-9_-]{12}\.[A-Za-z0-9_-]{16}$/);
    expect((again.body.tracking as Tracking)[0]!.links[0]!.tracked_url).toBe(short); // retry-safe: same link
    const click = await fetch(short, { redirect: 'manual' });
    expect(click.status).toBe(302);
    expect(click.headers.get('location')).toBe(`https://shop.example/sale?lux_mid=${linkRef('twilio', 'SM900')}&utm_source=twilio&utm_medium=sms&utm_campaign=flash`);
    const tampered = await fetch(`${short.slice(0, -1)}${short.endsWith('A') ? 'B' : 'A'}`, { redirect: 'manual' });
    expect([tampered.status, tampered.headers.get('location')]).toEqual([400, null]);

    const delivered = { events: [{ provider: 'twilio', event_id: 'dlr-1', send_id: 'SM900', channel: 'sms', event_type: 'delivered', occurred_at: new Date().toISOString() }] };
    expect((await sendLog(company.secretKey, delivered)).body).toMatchObject({ events_stored: 1, events_duplicate: 0 });
    expect((await sendLog(company.secretKey, delivered)).body).toMatchObject({ events_stored: 0, events_duplicate: 1 });
    expect((await events(company.companyId)).map((e) => e.event_type).sort()).toEqual(['clicked', 'delivered']);
  });

  test('the send log needs a secret key and a valid body', async () => {
    const company = await createTestCompany(db.ownerPool);
    expect((await sendLog('lux_sk_nope', { sends: [] })).status).toBe(401);
    const invalid = await sendLog(company.secretKey, { sends: [{ send_id: 'x', channel: 'email', recipient: 'not-an-email' }] });
    expect(invalid.status).toBe(422);
    expect(JSON.stringify(invalid.body)).toMatch(/expected an email address/);
    expect(JSON.stringify(invalid.body)).not.toMatch(/not-an-email/);
  });
});

describe('revenue per send', () => {
  test('orders are credited to the last message click within 5 days before them, and the rollup divides by sends', async () => {
    const company = await createTestCompany(db.ownerPool);
    const c = company.companyId;
    const sendLog = (body: unknown) =>
      fetch(`${stack.collector.url}/m/send-log`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${company.secretKey}` }, body: JSON.stringify(body) });
    // Campaign "spring": 4 sends on 2024-03-01 (Berlin); campaign "other": 1 send.
    const people = ['ann', 'bob', 'cid', 'dan'];
    await sendLog({
      sends: [
        ...people.map((p) => ({ send_id: `spring-${p}`, channel: 'email', campaign_id: 'spring', recipient: `${p}@example.com`, sent_at: '2024-03-01T08:00:00Z' })),
        { send_id: 'other-ann', channel: 'email', campaign_id: 'other', recipient: 'ann@example.com', sent_at: '2024-03-01T08:30:00Z' },
      ],
      events: [
        { event_id: 'c1', send_id: 'spring-ann', channel: 'email', event_type: 'clicked', occurred_at: '2024-03-01T09:00:00Z' },
        { event_id: 'c2', send_id: 'spring-bob', channel: 'email', event_type: 'clicked', occurred_at: '2024-03-01T09:00:00Z' },
        { event_id: 'c3', send_id: 'other-ann', channel: 'email', event_type: 'clicked', occurred_at: '2024-03-01T08:45:00Z' },
        ...people.map((p, i) => ({ event_id: `d${i}`, send_id: `spring-${p}`, channel: 'email', event_type: 'delivered', occurred_at: '2024-03-01T08:01:00Z' })),
      ],
    });
    // The fallback: cid never clicked a tracked email link we heard of, but her visit landed with lux_mid.
    await db.ownerPool.query(sql.unsafe`
      INSERT INTO sessions (company_id, session_id, visitor_id, started_at, last_seen_at, landing_page, channel, channel_rule)
      VALUES (${c}, 'sess-cid', 'vis-cid', '2024-03-02T10:00:00Z', '2024-03-02T10:05:00Z',
        ${`https://shop.example/?lux_mid=${linkRef('smtp', 'spring-cid')}&utm_medium=email`}, 'Email', 'utm_medium email')`);
    const order = (id: string, createdAt: string, total: number, email: string | null, visitor: string | null) =>
      db.ownerPool.query(sql.unsafe`
        INSERT INTO orders (company_id, source, external_id, order_key, status, source_status, currency, total_minor, email_hash, visitor_id, created_at)
        VALUES (${c}, 'woocommerce', ${id}, ${id}, 'paid', 'processing', 'EUR', ${total}, ${email ? hashEmail(email)! : null}, ${visitor}, ${createdAt})`);
    await order('o-ann', '2024-03-03T12:00:00Z', 5000, 'ann@example.com', null); // clicks: spring 09:00 (last) and other 08:45 → spring
    await order('o-bob', '2024-03-07T12:00:00Z', 9900, 'bob@example.com', null); // click 6 days before: not credited
    await order('o-cid', '2024-03-03T12:00:00Z', 3000, null, 'vis-cid'); // landing session fallback → spring
    await order('o-dan', '2024-03-03T13:00:00Z', 7000, 'dan@example.com', null); // never clicked

    await stack.rollupDays(c, ['2024-03-01', '2024-03-02', '2024-03-03', '2024-03-07']);

    const rows = await db.ownerPool.any(sql.type(z.object({ campaign_id: z.string(), sends: z.number(), delivered: z.number(), clicked: z.number(), orders: z.coerce.number(), revenue: z.coerce.number() }))`
      SELECT campaign_id, sum(sends)::int AS sends, sum(delivered)::int AS delivered, sum(clicked)::int AS clicked,
        sum(attributed_orders) AS orders, sum(attributed_revenue_minor) AS revenue
      FROM agg_daily_messages WHERE company_id = ${c} GROUP BY campaign_id ORDER BY campaign_id`);
    expect(rows).toEqual([
      { campaign_id: 'other', sends: 1, delivered: 0, clicked: 1, orders: 0, revenue: 0 },
      { campaign_id: 'spring', sends: 4, delivered: 4, clicked: 2, orders: 2, revenue: 8000 },
    ]);
    // revenue per send, by hand: spring (50.00 + 30.00) / 4 sends = 20.00; other 0 / 1
    const perSend = Object.fromEntries(rows.map((r) => [r.campaign_id, r.revenue / r.sends]));
    expect(perSend).toEqual({ spring: 2000, other: 0 });
    const credited = await db.ownerPool.any(sql.type(z.object({ order_external_id: z.string(), send_id: z.string(), matched_by: z.string() }))`
      SELECT order_external_id, send_id, matched_by FROM message_order_attribution WHERE company_id = ${c} ORDER BY order_external_id`);
    expect(credited).toEqual([
      { order_external_id: 'o-ann', send_id: 'spring-ann', matched_by: 'recipient_hash' },
      { order_external_id: 'o-cid', send_id: 'spring-cid', matched_by: 'landing_session' },
    ]);

    // run again: identical rows
    const snapshot = () => db.ownerPool.any(sql.unsafe`SELECT day, channel, provider, campaign_id, sends, delivered, clicked, attributed_orders, attributed_revenue_minor FROM agg_daily_messages WHERE company_id = ${c} ORDER BY 1, 2, 3, 4`);
    const before = await snapshot();
    await stack.rollupDays(c, ['2024-03-01', '2024-03-03']);
    expect(await snapshot()).toEqual(before);
  });
});

test('message_events is append-only', async () => {
  const company = await createTestCompany(db.ownerPool);
  await db.ownerPool.query(sql.unsafe`
    INSERT INTO message_events (company_id, provider, provider_event_id, channel, event_type, occurred_at, recorded_by)
    VALUES (${company.companyId}, 'smtp', ${randomUUID()}, 'email', 'opened', now(), 'pixel')`);
  await expect(db.ownerPool.query(sql.unsafe`UPDATE message_events SET event_type = 'clicked' WHERE company_id = ${company.companyId}`)).rejects.toThrow(/append-only/);
  await expect(db.ownerPool.query(sql.unsafe`DELETE FROM message_events WHERE company_id = ${company.companyId}`)).rejects.toThrow(/append-only/);
});

import { createHash, createHmac } from 'node:crypto';
import { trackingSettings } from '../../../lib/ingest/company-policy';
import { prepareEvent, prepareRequest, type RequestContext } from '../../../lib/ingest/prepare-event';

const request: RequestContext = {
  source: 'browser',
  receivedAt: new Date('2026-11-22T12:00:00Z'),
  ip: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
  gpcHeader: false,
  ipHashSecret: 's'.repeat(32),
  fallbackVisitorId: 'generated-visitor',
};
const company = { trackingEnabled: true, settings: trackingSettings({}) };
const event = {
  event_id: '0b6f2c1e-6f0e-4c55-9d2a-3f1f5c3e9a10',
  event_name: 'identify',
  page_url: 'https://shop.example/?utm_source=google&utm_medium=cpc&gclid=xyz&email=a%40b.com',
  email: 'A@B.com',
  user_id: 'u1',
};

describe('prepareEvent', () => {
  it('hashes the IP and email, scrubs the URL and classifies the channel', () => {
    const prepared = prepareEvent(event, prepareRequest(request), company);
    if (!prepared.store) throw new Error('expected the event to be stored');
    const row = prepared.row;
    expect(row.ip_hash).toBe(createHmac('sha256', request.ipHashSecret).update('203.0.113.7').digest('hex'));
    expect(row.email_hash).toBe(createHash('sha256').update('a@b.com').digest('hex'));
    expect(JSON.stringify(row)).not.toContain('203.0.113.7');
    expect(JSON.stringify(row)).not.toMatch(/a%40b\.com|A@B\.com/);
    expect(row.context).toMatchObject({ channel: 'Paid Search', click_ids: { gclid: 'xyz' } });
    expect(row.visitor_id).toBe('generated-visitor');
    expect(row.forwardable).toBe(true);
  });

  it('drops a bot browser hit', () => {
    expect(prepareEvent(event, prepareRequest({ ...request, userAgent: 'curl/8.0' }), company)).toEqual({ store: false, reason: 'bot' });
  });

  it('strips every identifier under the GPC anonymize policy', () => {
    const prepared = prepareEvent(event, prepareRequest({ ...request, gpcHeader: true }), { trackingEnabled: true, settings: trackingSettings({ gpc_policy: 'anonymize' }) });
    if (!prepared.store) throw new Error('expected the event to be stored');
    expect(prepared.row).toMatchObject({ visitor_id: null, session_id: null, user_id: null, ip_hash: null, email_hash: null, forwardable: false, gpc: true });
    expect(prepared.row.context.click_ids).toEqual({});
  });
});

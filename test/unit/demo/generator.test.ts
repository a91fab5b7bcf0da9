import { checkStandardProperties } from '../../../lib/ingest/standard-events';
import { eventSchema } from '../../../lib/ingest/event-schema';
import { createRng, DEMO_CHANNELS, funnelCounts, generateCompanies, generateStorefront, generateStorefrontDays, mulberry32, SCALE_PROFILE } from '../../../lib/demo/generator';

const options = { seed: 42, days: 35, lastDay: '2026-03-31', sessionsPerDay: 450 };
const dataset = generateStorefront(options);

describe('demo generator', () => {
  it('mulberry32 is reproducible and in [0, 1)', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBeGreaterThan(990);
    expect(createRng(1).uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('same seed → identical output; different seed → different output', () => {
    const again = generateStorefront(options);
    expect(JSON.stringify(again)).toBe(JSON.stringify(dataset));
    const other = generateStorefront({ ...options, seed: 43 });
    expect(JSON.stringify(other)).not.toBe(JSON.stringify(dataset));
    expect(other.events[0]!.event_id).not.toBe(dataset.events[0]!.event_id);
  });

  it('covers the requested days, in order, with events inside them', () => {
    expect(dataset.days).toHaveLength(35);
    expect(dataset.days[0]).toBe('2026-02-25');
    expect(dataset.days.at(-1)).toBe('2026-03-31');
    const first = Date.parse('2026-02-25T00:00:00Z');
    const end = Date.parse('2026-04-01T00:00:00Z');
    for (const e of dataset.events) expect(Date.parse(e.occurred_at) >= first && Date.parse(e.occurred_at) < end).toBe(true);
    const sorted = [...dataset.events].sort((a, b) => a.occurred_at.localeCompare(b.occurred_at) || a.event_id.localeCompare(b.event_id));
    expect(sorted.map((e) => e.event_id)).toEqual(dataset.events.map((e) => e.event_id));
    expect(new Set(dataset.events.map((e) => e.event_id)).size).toBe(dataset.events.length);
  });

  it('every event passes the collector contract (schema and standard properties)', () => {
    for (const { userAgent: _ua, ...payload } of dataset.events.filter((_, i) => i % 7 === 0 || _.event_name !== 'page_view')) {
      expect(eventSchema.safeParse(payload).success).toBe(true);
      expect(checkStandardProperties(payload.event_name, payload.properties).ok).toBe(true);
    }
  });

  it('has the whole channel mix, with click ids on paid sessions', () => {
    const channels = new Map<string, number>();
    for (const s of dataset.sessions) channels.set(s.channel, (channels.get(s.channel) ?? 0) + 1);
    for (const c of DEMO_CHANNELS) expect(channels.get(c) ?? 0).toBeGreaterThan(0);
    const landings = dataset.events.filter((e) => e.event_name === 'page_view' && e.page_url.includes('utm_'));
    for (const param of ['gclid=', 'fbclid=', 'ttclid=', 'utm_medium=email', 'utm_medium=sms', 'lux_mid=']) {
      expect(landings.some((e) => e.page_url.includes(param))).toBe(true);
    }
    expect(dataset.events.some((e) => e.referrer?.includes('styleblog'))).toBe(true);
  });

  it('funnel drop-off is monotone, overall and on every day', () => {
    const [views, carts, checkouts, purchases] = funnelCounts(dataset);
    expect(views).toBe(dataset.sessions.length);
    expect(views).toBeGreaterThan(carts);
    expect(carts).toBeGreaterThan(checkouts);
    expect(checkouts).toBeGreaterThan(purchases);
    expect(purchases).toBe(dataset.orders.length);
    for (const day of dataset.days) {
      const [v, c, b, p] = funnelCounts(dataset, day);
      expect(v >= c && c >= b && b >= p).toBe(true);
    }
  });

  it('has repeat customers, refunds, returning visitors and one person on several devices', () => {
    expect(dataset.orders.some((o) => o.customerOrderNumber > 1)).toBe(true);
    const refunded = dataset.orders.filter((o) => o.refunds.length > 0);
    expect(refunded.length).toBeGreaterThan(0);
    for (const o of refunded) for (const r of o.refunds) expect(r.amountMinor).toBeLessThanOrEqual(o.totalMinor);
    const daysPerVisitor = new Map<string, Set<string>>();
    for (const s of dataset.sessions) daysPerVisitor.set(s.visitorId, (daysPerVisitor.get(s.visitorId) ?? new Set()).add(s.day));
    expect([...daysPerVisitor.values()].some((d) => d.size >= 3)).toBe(true);
    const visitorsPerUser = new Map<string, Set<string>>();
    for (const e of dataset.events) if (e.user_id) visitorsPerUser.set(e.user_id, (visitorsPerUser.get(e.user_id) ?? new Set()).add(e.visitor_id));
    expect([...visitorsPerUser.values()].some((v) => v.size >= 2)).toBe(true);
    expect(dataset.events.some((e) => e.event_name === 'login' && e.email)).toBe(true);
  });

  it('has ad spend per campaign/ad/creative with fatigue, and email/SMS sends with events', () => {
    expect(new Set(dataset.spend.map((s) => s.platform))).toEqual(new Set(['google_ads', 'meta', 'tiktok']));
    expect(new Set(dataset.spend.map((s) => s.creativeId)).size).toBeGreaterThanOrEqual(5);
    for (const s of dataset.spend) expect(s.clicks).toBeLessThanOrEqual(s.impressions);
    // Fatigue: the oldest Meta creative's CTR in its last week is below its first week's.
    const linen = dataset.spend.filter((s) => s.creativeId === 'm-video-linen');
    const ctr = (rows: typeof linen) => rows.reduce((a, r) => a + r.clicks, 0) / rows.reduce((a, r) => a + r.impressions, 0);
    expect(ctr(linen.slice(-7))).toBeLessThan(ctr(linen.slice(0, 7)));
    expect(dataset.messages.some((m) => m.channel === 'email')).toBe(true);
    expect(dataset.messages.some((m) => m.channel === 'sms')).toBe(true);
    const types = new Set(dataset.messages.flatMap((m) => m.events.map((e) => e.type)));
    for (const t of ['delivered', 'opened', 'clicked', 'bounced']) expect(types.has(t as never)).toBe(true);
  });

  it('plants a broken checkout on the last day and a Meta CPA spike in the last week', () => {
    expect(dataset.anomalies.map((a) => a.kind).sort()).toEqual(['checkout_broken', 'paid_social_cpa_spike']);
    const last = dataset.days.at(-1)!;
    const rate = (day: string) => {
      const [, , b, p] = funnelCounts(dataset, day);
      return p / b;
    };
    const earlier = dataset.days.slice(0, -1).map(rate);
    expect(rate(last)).toBeLessThan(Math.min(...earlier));
    const [, , checkoutsLast] = funnelCounts(dataset, last);
    expect(checkoutsLast).toBeGreaterThanOrEqual(30);
    const metaSpend = (days: string[]) => dataset.spend.filter((s) => s.campaignId === 'm-prospecting' && days.includes(s.day)).reduce((a, s) => a + s.spendMinor, 0);
    expect(metaSpend(dataset.days.slice(-7))).toBeGreaterThan(1.3 * metaSpend(dataset.days.slice(-14, -7)));
    expect(generateStorefront({ ...options, anomalies: false }).anomalies).toEqual([]);
  });

  it('generates several companies from one seed, each different and each reproducible', () => {
    const small = { days: 5, lastDay: '2026-03-31', sessionsPerDay: 30 };
    const [a, b] = generateCompanies(1, 2, small);
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(b));
    expect(JSON.stringify(generateCompanies(1, 2, small))).toBe(JSON.stringify([a, b]));
    expect(JSON.stringify(generateCompanies(1, 1, small)[0])).toBe(JSON.stringify(a));
  });

  it('yields the same history one day at a time (each day sorted, inside its UTC day)', () => {
    const days = [...generateStorefrontDays(options)];
    expect(days.map((d) => d.day)).toEqual(dataset.days);
    for (const d of days) expect(d.events.every((e) => e.occurred_at.startsWith(d.day))).toBe(true);
    for (const key of ['events', 'sessions', 'orders', 'spend', 'messages'] as const) {
      expect(JSON.stringify(days.flatMap((d) => d[key] as unknown[]))).toBe(JSON.stringify(dataset[key]));
    }
  });

  it('SCALE_PROFILE (browsePages, extraIntent) reaches the scale ratios (~10 events a session, ~10 sessions an order)', () => {
    const scale = generateStorefront({ ...options, browsePages: SCALE_PROFILE.browsePages, extraIntent: SCALE_PROFILE.extraIntent });
    const perSession = scale.events.length / scale.sessions.length;
    const sessionsPerOrder = scale.sessions.length / scale.orders.length;
    expect(dataset.events.length / dataset.sessions.length).toBeLessThan(4);
    expect(perSession).toBeGreaterThan(9);
    expect(perSession).toBeLessThan(12);
    expect(sessionsPerOrder).toBeGreaterThan(7);
    expect(sessionsPerOrder).toBeLessThan(13);
    for (const { userAgent: _ua, ...event } of scale.events.slice(0, 2000)) expect(eventSchema.safeParse(event).success).toBe(true);
  });
});

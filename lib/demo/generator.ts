// A seeded, deterministic generator of storefront activity (issue 11): visitors who come back over weeks,
// sessions from a channel mix (paid search with gclid, paid social with fbclid/ttclid, email and SMS
// campaigns, organic, referral, direct), a funnel with drop-off, orders with refunds and repeat customers,
// one person on several devices (linked by login), ad spend per campaign/ad/creative with fatigue,
// email/SMS sends with their events, and planted anomalies that the alert rules should catch.
//
// Pure: the same options give the same records, byte for byte (mulberry32, never Math.random or the
// clock). The loaders (scripts/demo.ts) send the records through the collector, signed webhooks and
// bulk inserts.
import { createHash } from 'node:crypto';

/** mulberry32: a small, fast 32-bit PRNG; good enough for synthetic data, fully reproducible. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rng = {
  next: () => number;
  int: (min: number, maxInclusive: number) => number;
  chance: (p: number) => boolean;
  pick: <T>(items: readonly T[]) => T;
  weighted: <T extends string>(weights: Readonly<Record<T, number>>) => T;
  uuid: () => string;
  hex: (length: number) => string;
};

export function createRng(seed: number): Rng {
  const next = mulberry32(seed);
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const hex = (length: number) => {
    let out = '';
    while (out.length < length) out += Math.floor(next() * 0x100000000).toString(16).padStart(8, '0');
    return out.slice(0, length);
  };
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: (items) => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
    weighted: (weights) => {
      const entries = Object.entries(weights) as Array<[keyof typeof weights, number]>;
      const total = entries.reduce((sum, [, w]) => sum + w, 0);
      let r = next() * total;
      for (const [key, w] of entries) {
        r -= w;
        if (r < 0) return key;
      }
      return entries[entries.length - 1]![0];
    },
    uuid: () => {
      const h = hex(32);
      const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
    },
    hex,
  };
}

export const DEMO_CHANNELS = ['paid_search', 'paid_social', 'email', 'sms', 'organic', 'referral', 'direct'] as const;
export type DemoChannel = (typeof DEMO_CHANNELS)[number];

export const DEFAULT_CHANNEL_MIX: Readonly<Record<DemoChannel, number>> = {
  paid_search: 0.22,
  paid_social: 0.18,
  email: 0.09,
  sms: 0.04,
  organic: 0.22,
  referral: 0.07,
  direct: 0.18,
};

export type DemoEvent = {
  event_id: string;
  event_name: 'page_view' | 'add_to_cart' | 'begin_checkout' | 'purchase' | 'signup' | 'login';
  occurred_at: string;
  visitor_id: string;
  session_id: string;
  user_id?: string;
  page_url: string;
  referrer?: string;
  properties: Record<string, unknown>;
  email?: string;
  creative_id?: string;
  /** Not part of the collector payload: the User-Agent the loader sends the event with. */
  userAgent: string;
};

export type DemoSession = { sessionId: string; visitorId: string; personId: number; channel: DemoChannel; day: string; startedAt: string; steps: number };

export type DemoOrderLine = { productId: number; sku: string; name: string; quantity: number; priceMinor: number };
export type DemoRefund = { refundId: number; amountMinor: number; at: string; reason: string };
export type DemoOrder = {
  orderId: number;
  createdAt: string;
  visitorId: string;
  sessionId: string;
  customerId: number;
  email: string;
  currency: string;
  lines: DemoOrderLine[];
  shippingMinor: number;
  totalMinor: number;
  channel: DemoChannel;
  /** The person's how-many-th order (1 = first). */
  customerOrderNumber: number;
  refunds: DemoRefund[];
};

export type DemoAdPlatform = 'google_ads' | 'meta' | 'tiktok';
export type DemoSpend = {
  platform: DemoAdPlatform;
  accountId: string;
  day: string;
  campaignId: string;
  campaignName: string;
  adGroupId: string;
  adGroupName: string;
  adId: string;
  adName: string;
  creativeId: string;
  currency: string;
  spendMinor: number;
  impressions: number;
  clicks: number;
};

export type DemoMessageEventType = 'delivered' | 'opened' | 'clicked' | 'unsubscribed' | 'bounced' | 'complained';
export type DemoMessageSend = {
  provider: 'mailgun' | 'twilio';
  sendId: string;
  channel: 'email' | 'sms';
  campaignId: string;
  messageId: string;
  recipientEmail: string;
  sentAt: string;
  events: Array<{ eventId: string; type: DemoMessageEventType; at: string }>;
};

export type DemoAnomaly = { kind: 'checkout_broken' | 'paid_social_cpa_spike'; day: string; description: string };

export type DemoDataset = {
  seed: number;
  days: string[];
  events: DemoEvent[];
  sessions: DemoSession[];
  orders: DemoOrder[];
  spend: DemoSpend[];
  messages: DemoMessageSend[];
  anomalies: DemoAnomaly[];
};

export type GeneratorOptions = {
  seed: number;
  /** Number of days of history, ending with lastDay (inclusive). */
  days: number;
  /** Last day (YYYY-MM-DD, UTC calendar day). */
  lastDay: string;
  /** Sessions on an average day before growth and weekly pattern. */
  sessionsPerDay?: number;
  currency?: string;
  storeUrl?: string;
  channelMix?: Readonly<Record<DemoChannel, number>>;
  /** Plant the anomalies on the last day / last week (default true). */
  anomalies?: boolean;
  /**
   * Extra product pages viewed per session, drawn uniformly from [min, max] (default [0, 3]: ~2.8 events
   * per session). The scale preset (bench/scale) widens it to reach ~10 events per session.
   */
  browsePages?: readonly [number, number];
  /** Added to every session's purchase intent (default 0); the scale preset raises orders per session. */
  extraIntent?: number;
};

/**
 * The scale benchmark's shape (issue 11: 10M events, 1M sessions, 100k orders): ~10 events per session,
 * ~10 sessions per order. Sessions over 90 days come to ~1.18 × sessionsPerDay × 90 (growth, weekends).
 */
export const SCALE_PROFILE = { browsePages: [4, 13] as const, extraIntent: 0.17, sessionsPerBaseDay: 1.18 };

/** One day of a company's history, as generateStorefrontDays yields it. */
export type DemoDay = Pick<DemoDataset, 'events' | 'sessions' | 'orders' | 'spend' | 'messages'> & { day: string };

const PRODUCTS = [
  { productId: 501, sku: 'LIN-SHIRT', name: 'Linen shirt', priceMinor: 3990 },
  { productId: 502, sku: 'CHINO', name: 'Chino trousers', priceMinor: 6990 },
  { productId: 503, sku: 'TEE-3', name: 'Organic tee (3-pack)', priceMinor: 2990 },
  { productId: 504, sku: 'WOOL-JMP', name: 'Merino jumper', priceMinor: 8990 },
  { productId: 505, sku: 'SOCKS', name: 'Wool socks', priceMinor: 1290 },
  { productId: 506, sku: 'CAP', name: 'Canvas cap', priceMinor: 1990 },
] as const;

const USER_AGENTS = {
  desktop: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  mobile: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
} as const;

type PaidCampaign = { platform: DemoAdPlatform; accountId: string; campaignId: string; campaignName: string; utmSource: string; clickParam: 'gclid' | 'fbclid' | 'ttclid'; ads: Array<{ adGroupId: string; adId: string; creativeId: string; launchDay: number }> };

const CAMPAIGNS: PaidCampaign[] = [
  { platform: 'google_ads', accountId: '1234567890', campaignId: 'g-brand', campaignName: 'Search - Brand', utmSource: 'google', clickParam: 'gclid', ads: [{ adGroupId: 'g-brand-ag1', adId: 'g-brand-ag1~1', creativeId: 'g-brand-rsa-1', launchDay: 0 }] },
  {
    platform: 'google_ads', accountId: '1234567890', campaignId: 'g-generic', campaignName: 'Search - Generic', utmSource: 'google', clickParam: 'gclid',
    ads: [{ adGroupId: 'g-gen-ag1', adId: 'g-gen-ag1~1', creativeId: 'g-gen-rsa-1', launchDay: 0 }, { adGroupId: 'g-gen-ag2', adId: 'g-gen-ag2~2', creativeId: 'g-gen-rsa-2', launchDay: 30 }],
  },
  {
    platform: 'meta', accountId: '987654321', campaignId: 'm-prospecting', campaignName: 'Prospecting - Spring', utmSource: 'facebook', clickParam: 'fbclid',
    ads: [{ adGroupId: 'm-adset-1', adId: 'm-ad-1', creativeId: 'm-video-linen', launchDay: 0 }, { adGroupId: 'm-adset-1', adId: 'm-ad-2', creativeId: 'm-carousel-chino', launchDay: 45 }],
  },
  { platform: 'tiktok', accountId: '7000000001', campaignId: 't-awareness', campaignName: 'TikTok - UGC', utmSource: 'tiktok', clickParam: 'ttclid', ads: [{ adGroupId: 't-ag-1', adId: 't-ad-1', creativeId: 't-ugc-1', launchDay: 10 }] },
];

type Person = { personId: number; email: string; visitorIds: string[]; devices: Array<'desktop' | 'mobile'>; customerId: number | null; orders: number; affinity: number; lastSeenDay: number };

const DAY_MS = 86_400_000;

export function dayList(lastDay: string, days: number): string[] {
  const end = Date.parse(`${lastDay}T00:00:00Z`);
  if (Number.isNaN(end)) throw new Error(`lastDay must be YYYY-MM-DD, got ${lastDay}`);
  if (!Number.isInteger(days) || days < 1) throw new Error('days must be a positive integer');
  return Array.from({ length: days }, (_, i) => new Date(end - (days - 1 - i) * DAY_MS).toISOString().slice(0, 10));
}

function sha(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The anomalies generateStorefrontDays plants for these options. */
function plannedAnomalies(options: GeneratorOptions, days: string[]): DemoAnomaly[] {
  const last = days[days.length - 1]!;
  if (!(options.anomalies ?? true) || days.length < 15) return [];
  return [
    { kind: 'checkout_broken', day: last, description: 'payment step broken: most begin_checkout sessions do not purchase (checkout_abandonment_spike)' },
    { kind: 'paid_social_cpa_spike', day: last, description: 'last 7 days: Meta prospecting spend +80 % while its clicks convert at half the rate (cpa_increase)' },
  ];
}

// Code-point order, not localeCompare: ISO timestamps and lower-case UUIDs have the same layout, so both
// give the same order, and this is ~50× faster (it was most of the generator's time at 1M events).
const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Generates one company's storefront history. Deterministic in its options. */
export function generateStorefront(options: GeneratorOptions): DemoDataset {
  const days = dayList(options.lastDay, options.days);
  const dataset: DemoDataset = { seed: options.seed, days, events: [], sessions: [], orders: [], spend: [], messages: [], anomalies: plannedAnomalies(options, days) };
  for (const day of generateStorefrontDays(options)) {
    // element by element: a spread of a 100k-event day would overflow the argument stack
    for (const key of ['events', 'sessions', 'orders', 'spend', 'messages'] as const) for (const item of day[key]) (dataset[key] as unknown[]).push(item);
  }
  return dataset;
}

/**
 * The same history one day at a time (a day's events sorted by time), so 10M events never sit in memory
 * at once (bench/scale). Concatenated, the days are exactly generateStorefront's output: every event of
 * a day falls inside that UTC day.
 */
export function* generateStorefrontDays(options: GeneratorOptions): Generator<DemoDay> {
  const rng = createRng(options.seed);
  const days = dayList(options.lastDay, options.days);
  const [minPages, maxPages] = options.browsePages ?? [0, 3];
  const extraIntent = options.extraIntent ?? 0;
  const currency = options.currency ?? 'EUR';
  const storeUrl = (options.storeUrl ?? 'https://shop.example.com').replace(/\/+$/, '');
  const baseSessions = options.sessionsPerDay ?? 500;
  const mix = options.channelMix ?? DEFAULT_CHANNEL_MIX;
  const plant = options.anomalies ?? true;
  const lastIndex = days.length - 1;
  const checkoutBroken = (d: number) => plant && days.length >= 15 && d === lastIndex;
  const cpaSpike = (d: number) => plant && days.length >= 15 && d > lastIndex - 7;

  const people: Person[] = [];
  const peopleByEmail = new Map<string, Person>();
  let nextOrderId = 10_001;
  let nextCustomerId = 501;
  let nextRefundId = 90_001;
  // Paid clicks per ad per day, to derive the platform's click and impression counts.
  const paidClicks = new Map<string, number>();
  // Sends clicked per day and channel: the landing sessions of email/SMS visits.
  const sendClicks = new Map<string, DemoMessageSend[]>();

  const newPerson = (d: number): Person => {
    const personId = people.length + 1;
    const devices: Array<'desktop' | 'mobile'> = [rng.chance(0.6) ? 'mobile' : 'desktop'];
    const person: Person = { personId, email: `customer${personId}.${rng.hex(4)}@example.com`, visitorIds: [rng.uuid()], devices, customerId: null, orders: 0, affinity: rng.next(), lastSeenDay: d };
    people.push(person);
    peopleByEmail.set(person.email, person);
    return person;
  };

  // Email and SMS: a newsletter every Tuesday and Friday, an SMS flash sale every other Saturday.
  const subscribers: Person[] = [];
  const subscribed = new Set<number>();
  for (let d = 0; d < days.length; d += 1) {
    const day = days[d]!;
    const events: DemoEvent[] = [];
    const sessions: DemoSession[] = [];
    const orders: DemoOrder[] = [];
    const spend: DemoSpend[] = [];
    const messages: DemoMessageSend[] = [];
    const dayStart = Date.parse(`${day}T00:00:00Z`);
    const weekday = new Date(dayStart).getUTCDay();
    const growth = 1 + (0.3 * d) / Math.max(1, days.length);
    const weekly = weekday === 0 || weekday === 6 ? 1.15 : weekday === 1 ? 0.9 : 1;
    const sessionsToday = Math.round(baseSessions * growth * weekly * (0.9 + 0.2 * rng.next()));

    // Message sends of the day (before the sessions, whose email/SMS visits land from them).
    const clicked: DemoMessageSend[] = [];
    const sendDay = (channel: 'email' | 'sms', campaignId: string, hour: number) => {
      for (const person of subscribers) {
        const send: DemoMessageSend = {
          provider: channel === 'email' ? 'mailgun' : 'twilio',
          sendId: channel === 'email' ? `<${rng.hex(16)}@mg.shop.example.com>` : `SM${rng.hex(32)}`,
          channel,
          campaignId,
          messageId: `${campaignId}-v1`,
          recipientEmail: person.email,
          sentAt: new Date(dayStart + hour * 3_600_000 + rng.int(0, 600_000)).toISOString(),
          events: [],
        };
        const at = (minutes: number) => new Date(Date.parse(send.sentAt) + minutes * 60_000).toISOString();
        if (rng.chance(0.02)) send.events.push({ eventId: rng.uuid(), type: 'bounced', at: at(1) });
        else {
          send.events.push({ eventId: rng.uuid(), type: 'delivered', at: at(1) });
          if (channel === 'email' && rng.chance(0.35)) send.events.push({ eventId: rng.uuid(), type: 'opened', at: at(rng.int(5, 600)) });
          if (rng.chance(channel === 'email' ? 0.04 : 0.06)) {
            send.events.push({ eventId: rng.uuid(), type: 'clicked', at: at(rng.int(10, 700)) });
            clicked.push(send);
          }
          if (rng.chance(0.003)) send.events.push({ eventId: rng.uuid(), type: 'unsubscribed', at: at(rng.int(10, 700)) });
          else if (channel === 'email' && rng.chance(0.0005)) send.events.push({ eventId: rng.uuid(), type: 'complained', at: at(rng.int(10, 700)) });
        }
        messages.push(send);
      }
    };
    if (weekday === 2 || weekday === 5) sendDay('email', `newsletter-${day}`, 9);
    if (weekday === 6 && d % 14 < 7) sendDay('sms', `sms-flash-${day}`, 11);
    sendClicks.set(day, clicked);

    // Sessions: message clicks first (their count is what the sends produced), then the rest of the mix.
    const plan: Array<{ channel: DemoChannel; send?: DemoMessageSend }> = clicked.map((send) => ({ channel: send.channel, send }));
    const otherMix = { ...mix, email: 0, sms: 0 };
    while (plan.length < sessionsToday) plan.push({ channel: rng.weighted(otherMix) });

    for (const entry of plan) {
      const channel = entry.channel;
      // Who: message clicks are subscribers; others a returning visitor (more often over time) or someone new.
      let person: Person;
      if (entry.send) person = peopleByEmail.get(entry.send.recipientEmail)!;
      else if (people.length > 20 && rng.chance(channel === 'direct' ? 0.55 : 0.3)) {
        person = people[rng.int(Math.max(0, people.length - 3000), people.length - 1)]!;
      } else person = newPerson(d);
      person.lastSeenDay = d;
      // A returning person sometimes comes on a second device (identity across devices: they log in there).
      let deviceIndex = rng.int(0, person.visitorIds.length - 1);
      let newDevice = false;
      if (person.customerId !== null && person.visitorIds.length === 1 && rng.chance(0.15)) {
        person.visitorIds.push(rng.uuid());
        person.devices.push(person.devices[0] === 'mobile' ? 'desktop' : 'mobile');
        deviceIndex = 1;
        newDevice = true;
      }
      const visitorId = person.visitorIds[deviceIndex]!;
      const device = person.devices[deviceIndex]!;
      const userAgent = USER_AGENTS[device];
      const sessionId = rng.uuid();
      let t = entry.send
        ? Date.parse(entry.send.events.find((e) => e.type === 'clicked')!.at)
        : dayStart + Math.floor(DAY_MS * Math.min(0.999, Math.max(0, 0.35 + 0.25 * (rng.next() + rng.next() - 1) + 0.2 * (rng.next() - 0.5))));
      if (t >= dayStart + DAY_MS) t = dayStart + DAY_MS - 3_600_000;

      // Landing URL and referrer per channel.
      const product = rng.pick(PRODUCTS);
      const landingPath = rng.chance(0.5) ? `/products/${product.sku.toLowerCase()}` : '/';
      const query = new URLSearchParams();
      let referrer: string | undefined;
      let creativeId: string | undefined;
      let paid: PaidCampaign | undefined;
      if (channel === 'paid_search' || channel === 'paid_social') {
        const candidates = CAMPAIGNS.filter((c) => (channel === 'paid_search' ? c.platform === 'google_ads' : c.platform !== 'google_ads') && c.ads.some((a) => a.launchDay <= d));
        paid = channel === 'paid_social' && cpaSpike(d) && rng.chance(0.7) ? CAMPAIGNS[2]! : rng.pick(candidates);
        const ads = paid.ads.filter((a) => a.launchDay <= d);
        const ad = rng.pick(ads);
        creativeId = ad.creativeId;
        query.set('utm_source', paid.utmSource);
        query.set('utm_medium', channel === 'paid_search' ? 'cpc' : 'paid_social');
        query.set('utm_campaign', paid.campaignId);
        query.set('utm_content', ad.creativeId);
        query.set(paid.clickParam, rng.hex(24));
        referrer = paid.platform === 'google_ads' ? 'https://www.google.com/' : paid.platform === 'meta' ? 'https://m.facebook.com/' : 'https://www.tiktok.com/';
        const key = `${day}|${paid.campaignId}|${ad.adId}`;
        paidClicks.set(key, (paidClicks.get(key) ?? 0) + 1);
      } else if (entry.send) {
        query.set('utm_source', entry.send.channel === 'email' ? 'newsletter' : 'sms');
        query.set('utm_medium', entry.send.channel);
        query.set('utm_campaign', entry.send.campaignId);
        query.set('lux_mid', sha(`${entry.send.provider}:${entry.send.sendId}`).slice(0, 24));
      } else if (channel === 'organic') referrer = rng.pick(['https://www.google.com/', 'https://www.bing.com/', 'https://duckduckgo.com/']);
      else if (channel === 'referral') referrer = rng.pick(['https://www.styleblog.example/best-linen-shirts', 'https://forum.example.org/t/sustainable-clothing/42']);
      const landingUrl = `${storeUrl}${landingPath}${query.size > 0 ? `?${query.toString()}` : ''}`;

      const firstEvent = events.length;
      const push = (event_name: DemoEvent['event_name'], pageUrl: string, properties: Record<string, unknown>, extra: Partial<DemoEvent> = {}) => {
        t += rng.int(8_000, 120_000);
        events.push({
          event_id: rng.uuid(),
          event_name,
          occurred_at: new Date(Math.min(t, dayStart + DAY_MS - 1)).toISOString(),
          visitor_id: visitorId,
          session_id: sessionId,
          page_url: pageUrl,
          properties,
          userAgent,
          ...(person.customerId !== null && (newDevice || event_name === 'purchase') ? { user_id: String(person.customerId) } : {}),
          ...extra,
        });
      };

      // Funnel. Intent grows with returning visits and message clicks; the checkout anomaly cuts purchases.
      let steps = 1;
      push('page_view', landingUrl, {}, { ...(referrer ? { referrer } : {}), ...(creativeId ? { creative_id: creativeId } : {}) });
      if (newDevice) push('login', `${storeUrl}/my-account`, { method: 'password' }, { email: person.email, user_id: String(person.customerId) });
      const pages = rng.int(minPages, maxPages);
      for (let i = 0; i < pages; i += 1) push('page_view', `${storeUrl}/products/${rng.pick(PRODUCTS).sku.toLowerCase()}`, {});
      const intent = extraIntent + 0.08 + 0.1 * person.affinity + (person.orders > 0 ? 0.06 : 0) + (entry.send ? 0.05 : 0) - (channel === 'paid_social' && cpaSpike(d) ? 0.05 : 0);
      const quantity = rng.chance(0.8) ? 1 : 2;
      const cartProducts = [product, ...(rng.chance(0.25) ? [rng.pick(PRODUCTS)] : [])];
      const lines: DemoOrderLine[] = cartProducts.map((p, i) => ({ productId: p.productId, sku: p.sku, name: p.name, quantity: i === 0 ? quantity : 1, priceMinor: p.priceMinor }));
      const itemsMinor = lines.reduce((s, l) => s + l.priceMinor * l.quantity, 0);
      const items = lines.map((l) => ({ product_id: String(l.productId), quantity: l.quantity, price: l.priceMinor }));
      if (rng.chance(intent)) {
        steps = 2;
        push('add_to_cart', `${storeUrl}/products/${product.sku.toLowerCase()}`, { product_id: String(product.productId), quantity, value: itemsMinor, currency, items });
        if (rng.chance(0.55)) {
          steps = 3;
          push('begin_checkout', `${storeUrl}/checkout`, { value: itemsMinor, currency, items });
          if (rng.chance(checkoutBroken(d) ? 0.08 : 0.6)) {
            steps = 4;
            if (person.customerId === null) {
              person.customerId = nextCustomerId++;
              push('signup', `${storeUrl}/checkout`, { method: 'checkout' }, { email: person.email, user_id: String(person.customerId) });
            }
            person.orders += 1;
            if (!subscribed.has(person.personId) && rng.chance(0.6)) {
              subscribed.add(person.personId);
              subscribers.push(person);
            }
            const shippingMinor = itemsMinor >= 7500 ? 0 : 495;
            const orderId = nextOrderId++;
            push('purchase', `${storeUrl}/checkout/order-received/${orderId}`, { order_id: String(orderId), value: itemsMinor + shippingMinor, currency, shipping: shippingMinor, items });
            const createdAt = events[events.length - 1]!.occurred_at;
            const order: DemoOrder = {
              orderId, createdAt, visitorId, sessionId, customerId: person.customerId, email: person.email, currency, lines, shippingMinor,
              totalMinor: itemsMinor + shippingMinor, channel, customerOrderNumber: person.orders, refunds: [],
            };
            if (rng.chance(0.07)) {
              const full = rng.chance(0.5);
              const line = lines[0]!;
              order.refunds.push({ refundId: nextRefundId++, amountMinor: full ? order.totalMinor : line.priceMinor, at: new Date(Date.parse(createdAt) + rng.int(2, 12) * DAY_MS).toISOString(), reason: full ? 'Returned: does not fit' : 'Partial return' });
            }
            orders.push(order);
          }
        }
      }
      sessions.push({ sessionId, visitorId, personId: person.personId, channel, day, startedAt: events[firstEvent]!.occurred_at, steps });
    }

    // Ad spend per ad: impressions from a CTR that falls as the creative ages (fatigue), spend from CPC.
    for (const campaign of CAMPAIGNS) {
      for (const ad of campaign.ads) {
        if (ad.launchDay > d) continue;
        const clicks = paidClicks.get(`${day}|${campaign.campaignId}|${ad.adId}`) ?? 0;
        const age = d - ad.launchDay;
        const ctr = (campaign.platform === 'google_ads' ? 0.06 : 0.012) * Math.max(0.35, 1 - age / 80);
        const platformClicks = Math.round(clicks * 1.15) + rng.int(0, 2);
        const impressions = Math.max(platformClicks, Math.round(platformClicks / ctr));
        const cpc = campaign.platform === 'google_ads' ? (campaign.campaignId === 'g-brand' ? 35 : 85) : campaign.platform === 'meta' ? 60 : 40;
        const spendFactor = campaign.campaignId === 'm-prospecting' && cpaSpike(d) ? 1.8 : 1;
        spend.push({
          platform: campaign.platform, accountId: campaign.accountId, day, campaignId: campaign.campaignId, campaignName: campaign.campaignName,
          adGroupId: ad.adGroupId, adGroupName: `${ad.adGroupId} group`, adId: ad.adId, adName: `${ad.creativeId} ad`, creativeId: ad.creativeId, currency,
          spendMinor: Math.round(platformClicks * cpc * spendFactor * (0.85 + 0.3 * rng.next())), impressions, clicks: platformClicks,
        });
      }
    }
    events.sort((a, b) => byCodePoint(a.occurred_at, b.occurred_at) || byCodePoint(a.event_id, b.event_id));
    yield { day, events, sessions, orders, spend, messages };
  }
}

/** Several companies' histories: each from its own seed derived from one, so adding a company changes no other. */
export function generateCompanies(seed: number, count: number, options: Omit<GeneratorOptions, 'seed'>): DemoDataset[] {
  return Array.from({ length: count }, (_, i) => generateStorefront({ ...options, seed: (Math.imul(seed ^ 0x9e3779b9, i + 1) + i) >>> 0 }));
}

/** Counts of sessions that reached each funnel step (page_view ≥ add_to_cart ≥ begin_checkout ≥ purchase). */
export function funnelCounts(dataset: Pick<DemoDataset, 'sessions'>, day?: string): [number, number, number, number] {
  const counts: [number, number, number, number] = [0, 0, 0, 0];
  for (const s of dataset.sessions) {
    if (day !== undefined && s.day !== day) continue;
    for (let i = 0; i < s.steps; i += 1) counts[i] = counts[i]! + 1;
  }
  return counts;
}

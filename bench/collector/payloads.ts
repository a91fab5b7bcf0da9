// The events the benchmark sends: a storefront page view as the snippet would post it. Every event
// gets a fresh UUID (event_id is the idempotency key, so a repeated id would be a cheap duplicate,
// not a stored row). Visitors and sessions repeat, as on a real site, so session upserts do real work.
import { randomInt, randomUUID } from 'node:crypto';

/** A real browser's User-Agent: without one (or with a bot's) the collector drops the event as a bot. */
export const BROWSER_USER_AGENT =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

/** Distinct visitors (one open session each) that events are spread over. */
const VISITORS = 5000;

const PAGES = [
  'https://shop.example.com/',
  'https://shop.example.com/collections/summer?utm_source=newsletter&utm_medium=email&utm_campaign=summer-sale',
  'https://shop.example.com/products/linen-shirt?gclid=Cj0KCQjw-bench',
  'https://shop.example.com/cart',
];
const REFERRERS = ['https://www.google.com/', 'https://mail.example.net/', ''];

export type EventPayload = {
  event_id: string;
  event_name: string;
  visitor_id: string;
  session_id: string;
  page_url: string;
  referrer?: string;
  properties: Record<string, unknown>;
  consent: { analytics: boolean; marketing: boolean };
};

function pick<T>(items: readonly T[]): T {
  return items[randomInt(items.length)] as T;
}

export function makeEvent(eventId: string = randomUUID()): EventPayload {
  const visitor = randomInt(VISITORS);
  const referrer = pick(REFERRERS);
  return {
    event_id: eventId,
    event_name: 'page_view',
    visitor_id: `v_${visitor}`,
    session_id: `s_${visitor}`,
    page_url: pick(PAGES),
    ...(referrer ? { referrer } : {}),
    properties: { title: 'Linen shirt', price: 49.9, currency: 'EUR', variant: 'M' },
    consent: { analytics: true, marketing: true },
  };
}

/** A request body and the event ids it carries (kept so the durability check can look them up). */
export type Body = { body: string; eventIds: string[] };

export function singleEventBody(): Body {
  const event = makeEvent();
  return { body: JSON.stringify(event), eventIds: [event.event_id] };
}

export function batchBody(events: number): Body {
  const batch = Array.from({ length: events }, () => makeEvent());
  return { body: JSON.stringify({ events: batch }), eventIds: batch.map((e) => e.event_id) };
}

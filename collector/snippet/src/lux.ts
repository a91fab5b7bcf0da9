/// <reference lib="dom" />
// lux.js: the storefront snippet. ../build.ts compiles it (esbuild: es2017, iife, minified); budget ≤ 2 KB gzip,
// so the code favours few, short paths over abstractions. It runs in the shopper's browser: DOM APIs only,
// no imports, no third-party hosts. Everything it keeps is first-party (the shop's localStorage, sessionStorage
// and one cookie). docs/snippet.md is the contract with the collector's POST /e/batch.

type Props = Record<string, unknown>;
type Consent = { analytics: boolean; marketing: boolean };
type Session = { id: string; last: number; campaign: string };
type LuxEvent = {
  event_id: string;
  event_name: string;
  occurred_at: string;
  page_url: string;
  properties: Props;
  referrer?: string;
  user_id?: string;
  email?: string;
  visitor_id?: string;
  session_id?: string;
  consent?: Consent;
  gpc?: true;
};
type Command = (name: unknown, a?: unknown, b?: unknown) => void;

declare global {
  interface Window {
    // Before load: the embed stub that queues `arguments` in q. After load: the real function, marked with l.
    lux?: Command & { q?: ArrayLike<unknown>[]; l?: 1; visitorId?: () => string };
  }
}

const VID = '_lux_vid';
const SID = '_lux_sid';
const UID = '_lux_uid';
const QUEUE_KEY = '_lux_q';
const CONSENT_KEY = '_lux_c';
const CLICK_IDS = ['gclid', 'gbraid', 'wbraid', 'fbclid', 'ttclid', 'msclkid', 'li_fat_id', 'twclid'];
const SESSION_MS = 30 * 60 * 1000;
const BATCH = 50; // well under the collector's 500, and keeps bodies within browsers' 64 KB keepalive/beacon cap
const FLUSH_AT = 20;
const QUEUE_MAX = 100;

const w = window;
const d = document;
const n = navigator;
const loc = location;
const tag = (d.currentScript || d.querySelector('script[data-site-key]')) as HTMLScriptElement | null;
const attr = (name: string): string | null => tag && tag.getAttribute('data-' + name);
const siteKey = attr('site-key');
const url = (attr('endpoint') || new URL((tag && tag.src) || loc.href).origin).replace(/\/+$/, '') + '/e/batch';
const debug = attr('debug') != null;
const requireConsent = attr('require-consent') == 'true';
// GPC: no identifier is read or written at all; the server applies the company's policy to what arrives.
const gpc = (n as Navigator & { globalPrivacyControl?: unknown }).globalPrivacyControl === true;

// The console belongs to the shop: silent unless the tag carries data-debug.
const log = (...args: unknown[]): void => {
  if (debug) console.log('[lux]', ...args);
};

type Area = 'localStorage' | 'sessionStorage';
// Storage access throws in some privacy modes and sandboxed frames; losing persistence must not break the page.
function load(key: string, area: Area = 'localStorage'): string | null {
  try {
    return w[area].getItem(key);
  } catch {
    return null;
  }
}
function store(key: string, value?: string | null, area: Area = 'localStorage'): void {
  try {
    if (value) w[area].setItem(key, value);
    else w[area].removeItem(key);
  } catch {
    // full or blocked: keep going in memory
  }
}
function parse<T>(text: string | null): T | null {
  try {
    return JSON.parse(text as string) as T;
  } catch {
    return null;
  }
}

function uuid(): string {
  const c = crypto;
  if (c.randomUUID) return c.randomUUID();
  // randomUUID needs a secure context; a plain-http shop gets the same v4 layout from getRandomValues.
  return '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (ch) =>
    (+ch ^ (c.getRandomValues(new Uint8Array(1))[0]! & (15 >> (+ch / 4)))).toString(16),
  );
}

let consent = parse<Consent>(load(CONSENT_KEY)) || (requireConsent ? null : { analytics: true, marketing: true });
let visitor = '';
let user = (!gpc && load(UID, 'sessionStorage')) || '';
let held: LuxEvent[] = []; // created while consent is still unknown (data-require-consent)
// Admitted events not yet delivered, oldest first. The same queue is the retry queue: after a failure it is
// persisted, so the next page load sends what this one could not.
let queue = parse<LuxEvent[]>(load(QUEUE_KEY)) || [];
let timer = 0;
let tries = 0; // consecutive retryable failures: drives the backoff
let busy = false; // one normal request in flight at a time keeps the order and the backoff simple

function setCookie(value: string, maxAge: number): void {
  d.cookie = `${VID}=${value};max-age=${maxAge};path=/;samesite=lax` + (loc.protocol == 'https:' ? ';secure' : '');
}

function visitorId(): string {
  if (!visitor) {
    // The cookie mirror recovers the id when only localStorage was cleared.
    visitor = load(VID) || (/_lux_vid=([\w-]+)/.exec(d.cookie) || [])[1] || uuid();
    store(VID, visitor);
    setCookie(visitor, 31536000);
  }
  return visitor;
}

// A campaign landing starts a new session even within 30 minutes, so each paid click gets its own attribution.
function campaignKey(href: string): string {
  const u = new URL(href);
  const p = u.searchParams;
  const clicks = CLICK_IDS.filter((k) => p.has(k));
  return /[?&]utm_/.test(u.search) || clicks.length
    ? [p.get('utm_source'), p.get('utm_medium'), p.get('utm_campaign'), clicks.join(',')].join('|')
    : '';
}

function sessionId(e: LuxEvent): string {
  const now = Date.now();
  const key = e.event_name == 'page_view' ? campaignKey(e.page_url) : '';
  let s = parse<Session>(load(SID));
  if (!s || now - s.last > SESSION_MS || (key && key != s.campaign)) s = { id: uuid(), last: now, campaign: key };
  s.last = now;
  store(SID, JSON.stringify(s));
  return s.id;
}

function track(name: string, properties?: unknown, extra?: Partial<LuxEvent>): void {
  if (consent && !consent.analytics) return;
  held.push(
    Object.assign(
      {
        event_id: uuid(),
        event_name: name,
        occurred_at: new Date().toISOString(),
        page_url: loc.href,
        properties: (properties || {}) as Props,
      },
      extra,
    ),
  );
  admit();
}

// Stamps ids and consent only once analytics consent exists, so nothing is stored before it.
function admit(): void {
  if (!consent || !consent.analytics) return;
  for (const e of held) {
    e.consent = consent;
    if (gpc) {
      e.gpc = true;
      delete e.email;
    } else {
      e.visitor_id = visitorId();
      e.session_id = sessionId(e);
      if (user) e.user_id = user;
    }
    queue.push(e);
  }
  held = [];
  if (!gpc) store(UID, user, 'sessionStorage');
  if (queue.length >= FLUSH_AT && !tries) flush();
  else if (queue.length && !timer) timer = w.setTimeout(flush, 1000);
}

const body = (events: LuxEvent[]): string => JSON.stringify({ site_key: siteKey, events });
const persist = (): void => store(QUEUE_KEY, queue.length ? JSON.stringify(queue) : null);

// setTimeout calls this with no argument; only the page-hiding listeners pass true.
function flush(hidden?: unknown): void {
  if (hidden !== true) {
    clearTimeout(timer);
    timer = 0;
    if (!busy && queue.length) post(queue.splice(0, BATCH));
    return;
  }
  // Leaving the page: sendBeacon outlives it; false means the browser refused (size, quota), so use fetch.
  // While the collector is failing the queue stays in storage for the next page load instead.
  while (!tries && queue.length) {
    const batch = queue.splice(0, BATCH);
    if (!(n.sendBeacon && n.sendBeacon(url, new Blob([body(batch)], { type: 'text/plain;charset=UTF-8' })))) post(batch);
  }
  persist();
}

// A string body makes this a CORS-simple request (text/plain;charset=UTF-8): no preflight.
// 2xx delivers; 429, 5xx and network errors put the batch back at the head of the queue and back off
// (1 s, 2 s, 4 s … 60 s); any other 4xx would fail again, so the batch is dropped.
function post(batch: LuxEvent[]): void {
  const text = body(batch);
  busy = true;
  fetch(url, { method: 'POST', body: text, keepalive: text.length < 6e4, credentials: 'omit' })
    .then(
      (res) => res.status,
      () => 0,
    )
    .then((status) => {
      const failed = !status || status == 429 || status > 499;
      if (failed || status > 299) log(status, batch);
      busy = false;
      tries = failed ? tries + 1 : 0;
      if (failed) queue = batch.concat(queue).slice(-QUEUE_MAX);
      persist();
      if (queue.length && !timer) timer = w.setTimeout(flush, failed ? Math.min(500 * 2 ** tries, 6e4) : 0);
    }, log);
}

function setConsent(c: unknown): void {
  const next = Object.assign({ analytics: !requireConsent, marketing: !requireConsent }, consent, c);
  consent = { analytics: !!next.analytics, marketing: !!next.marketing };
  store(CONSENT_KEY, JSON.stringify(consent));
  if (consent.analytics) return admit();
  // Withdrawn: nothing pending leaves the browser, and the first-party ids go with it.
  held = [];
  queue = [];
  persist();
  store(VID);
  store(SID);
  store(UID, '', 'sessionStorage');
  setCookie('', 0);
  visitor = user = '';
}

let referrer = d.referrer;
let lastPage = '';
const here = (): string => loc.href.replace(/#.*/, '');

function page(): void {
  lastPage = here();
  track('page_view', {}, { referrer });
  // Later SPA page views come from the previous in-app URL, not from the original document.referrer.
  referrer = loc.href;
}

// Hash-only changes (in-page anchors) are not page views.
function navigated(): void {
  if (here() != lastPage) page();
}

function command(name: unknown, a?: unknown, b?: unknown): void {
  if (name == 'track') track(a as string, b);
  else if (name == 'page') page();
  else if (name == 'identify') {
    if (!a) return;
    user = `${a as string}`; // numeric ids are common; the contract is a string
    track('identify', {}, { email: (Object(b) as { email?: string }).email });
  } else if (name == 'consent') setConsent(a);
  else log('unknown command', name);
}

const stub = w.lux;
if (siteKey && !(stub && stub.l)) {
  // visitorId(): for the checkout page to store in the order (WooCommerce meta, Shopify cart attribute,
  // Stripe metadata), so the platform's order links back to this visitor. Empty under GPC: no identifier.
  w.lux = Object.assign(command, { l: 1 as const, visitorId: () => (gpc ? '' : visitorId()) });
  if (attr('auto-pageview') != 'false') {
    page();
    const h = history;
    const wrap =
      (original: History['pushState']): History['pushState'] =>
      (...args) => {
        original(...args);
        navigated();
      };
    h.pushState = wrap(h.pushState.bind(h));
    h.replaceState = wrap(h.replaceState.bind(h));
    addEventListener('popstate', navigated);
  }
  // Commands queued by the embed stub before this file arrived, in order.
  for (const args of (stub && stub.q) || []) command(args[0], args[1], args[2]);
  addEventListener('pagehide', () => flush(true));
  d.addEventListener('visibilitychange', () => {
    if (d.visibilityState == 'hidden') flush(true);
  });
  admit(); // sends what an earlier page left in the queue
}

export {};

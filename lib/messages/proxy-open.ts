// Is an email open a person, or a privacy proxy fetching the pixel for them? Apple Mail Privacy Protection
// (MPP) downloads every remote image of a message through Apple's proxies soon after delivery, whether or
// not anyone reads it, so its "opens" say nothing about interest. What we can detect (docs/messages.md
// "Proxy opens"): raw IPs are never stored (only HMAC hashes), so Apple's published proxy IP ranges cannot
// be matched; what is left is
//   1. the provider saying so (Mailgun's client-info bot / is-proxy fields, when present: unconfirmed
//      field names, read defensively);
//   2. Apple's proxy user agent: exactly "Mozilla/5.0", with no platform or engine details (real Apple
//      Mail sends "Mozilla/5.0 (Macintosh; ...) AppleWebKit/... (KHTML, like Gecko)");
//   3. a prefetch: an open within `prefetchSeconds` of delivery by a user agent that names no mail client
//      or browser engine.
// Gmail's and Yahoo's image proxies fetch when the person opens the message: those are human opens and
// are not flagged (their opens are real; only the device is hidden).
export type ProxyOpenInput = {
  userAgent: string | null | undefined;
  openedAt: string | Date;
  /** Delivery time when known, else the send time. */
  deliveredAt?: string | Date | null;
  /** A provider's own verdict (Mailgun client-info), when it gives one. */
  providerFlag?: boolean | null;
  providerBot?: string | null;
};

export type ProxyOpenParams = { prefetchSeconds: number };
export const DEFAULT_PROXY_OPEN_PARAMS: ProxyOpenParams = { prefetchSeconds: 60 };

export type ProxyOpenVerdict = { proxy: boolean; reason: string | null };

/** The user agent Apple's MPP proxy sends. */
const APPLE_PROXY_UA = /^Mozilla\/5\.0$/;
/** Anything that names a real engine, platform or mail client. */
const SPECIFIC_UA = /\(|AppleWebKit|Gecko|Trident|Outlook|Thunderbird|Mail\/|GoogleImageProxy|YahooMailProxy/i;

export function detectProxyOpen(input: ProxyOpenInput, params: ProxyOpenParams = DEFAULT_PROXY_OPEN_PARAMS): ProxyOpenVerdict {
  if (input.providerFlag === true) return { proxy: true, reason: 'provider flagged the open as a proxy/bot open' };
  const bot = input.providerBot?.trim().toLowerCase();
  if (bot) return { proxy: true, reason: `provider identified a machine open (${bot.slice(0, 40)})` };
  const ua = (input.userAgent ?? '').trim();
  if (APPLE_PROXY_UA.test(ua)) return { proxy: true, reason: 'Apple Mail Privacy Protection user agent (bare "Mozilla/5.0")' };
  if (input.deliveredAt) {
    const seconds = (new Date(input.openedAt).getTime() - new Date(input.deliveredAt).getTime()) / 1000;
    if (Number.isFinite(seconds) && seconds >= 0 && seconds <= params.prefetchSeconds && !SPECIFIC_UA.test(ua)) {
      return { proxy: true, reason: `opened ${Math.round(seconds)} s after delivery by a generic user agent (prefetch)` };
    }
  }
  return { proxy: false, reason: null };
}

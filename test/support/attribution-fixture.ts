// The hand-worked attribution fixture: 32 orders, each with its own visitors, sessions and identity
// links, and the touches we expect, worked out by hand from the rules in docs/attribution.md (not
// computed by the code under test). Times are hours before the order's purchase (negative: after it),
// or exact ISO instants for the boundary and DST cases. Ids are local to each case and prefixed with
// its name when stored (s1 → a03-s1).
import { createHash } from 'node:crypto';

export const PURCHASE = '2026-03-31T10:00:00.000Z';

/** Session presets: what the collector would have stored, and the source/medium/campaign we expect for it. */
export const PRESETS = {
  paid: { channel: 'Paid Search', utm_source: 'google', utm_medium: 'cpc', utm_campaign: 'brand', referrer_host: 'www.google.com', expect: ['google', 'cpc', 'brand'] },
  social: { channel: 'Paid Social', utm_source: 'facebook', utm_medium: 'paid_social', utm_campaign: 'retarget', referrer_host: null, expect: ['facebook', 'paid_social', 'retarget'] },
  email: { channel: 'Email', utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'march', referrer_host: null, expect: ['newsletter', 'email', 'march'] },
  organic: { channel: 'Organic Search', utm_source: null, utm_medium: null, utm_campaign: null, referrer_host: 'www.google.com', expect: ['google.com', 'organic', null] },
  referral: { channel: 'Referral', utm_source: null, utm_medium: null, utm_campaign: null, referrer_host: 'blog.example.org', expect: ['blog.example.org', 'referral', null] },
  direct: { channel: 'Direct', utm_source: null, utm_medium: null, utm_campaign: null, referrer_host: null, expect: ['(direct)', '(none)', null] },
} as const;
export type Preset = keyof typeof PRESETS;

/** [session, visitor, hours before purchase | ISO instant, preset] */
export type FixtureSession = [string, string, number | string, Preset];

export type FixtureCase = {
  name: string;
  company?: 'main' | 'strict';
  purchasedAt?: string;
  totalMinor?: number;
  refundedMinor?: number;
  order: { visitor?: string; user?: string; email?: string };
  /** identity links: [visitor, user id, email] */
  links?: Array<[string, string, string]>;
  sessions: FixtureSession[];
  expect: {
    first: [string, string] | [null, string];
    last: [string, string] | [null, string];
    /** "session role reason matched_by", in path order */
    path: string[];
  };
};

export const emailHash = (name: string): string => createHash('sha256').update(`${name}@example.com`).digest('hex');

const NONE_30 = [null, 'no_session_in_30d'] as [null, string];

export const CASES: FixtureCase[] = [
  { name: 'a01', order: { visitor: 'v1' }, sessions: [['s1', 'v1', 2, 'paid']],
    expect: { first: ['s1', 'earliest_in_30d'], last: ['s1', 'latest_in_72h'], path: ['s1 first_last earliest_in_30d+latest_in_72h order_visitor'] } },
  { name: 'a02', order: { visitor: 'v1' }, sessions: [['s1', 'v1', 480, 'email'], ['s2', 'v1', 10, 'paid']],
    expect: { first: ['s1', 'earliest_in_30d'], last: ['s2', 'latest_in_72h'], path: ['s1 first earliest_in_30d order_visitor', 's2 last latest_in_72h order_visitor'] } },
  { name: 'a03', order: { visitor: 'v1' }, sessions: [['s1', 'v1', 48, 'social'], ['s2', 'v1', 1, 'direct']],
    expect: { first: ['s1', 'earliest_in_30d'], last: ['s1', 'latest_non_direct_in_72h'], path: ['s1 first_last earliest_in_30d+latest_non_direct_in_72h order_visitor', 's2 assist direct_passed_over order_visitor'] } },
  { name: 'a04', order: { visitor: 'v1' }, sessions: [['s1', 'v1', 100, 'organic'], ['s2', 'v1', 5, 'direct']],
    expect: { first: ['s1', 'earliest_in_30d'], last: ['s2', 'latest_in_72h'], path: ['s1 first earliest_in_30d order_visitor', 's2 last latest_in_72h order_visitor'] } },
  { name: 'a05', order: { visitor: 'v1' }, sessions: [['s1', 'v1', 30, 'direct'], ['s2', 'v1', 3, 'direct']],
    expect: { first: ['s1', 'earliest_in_30d'], last: ['s2', 'latest_in_72h'], path: ['s1 first earliest_in_30d order_visitor', 's2 last latest_in_72h order_visitor'] } },
  // exactly 30 days (720 h) before: inside
  { name: 'a06', order: { visitor: 'v1' }, sessions: [['s1', 'v1', '2026-03-01T10:00:00.000Z', 'referral'], ['s2', 'v1', 1, 'paid']],
    expect: { first: ['s1', 'earliest_in_30d'], last: ['s2', 'latest_in_72h'], path: ['s1 first earliest_in_30d order_visitor', 's2 last latest_in_72h order_visitor'] } },
  // one second more than 30 days: outside
  { name: 'a07', order: { visitor: 'v1' }, sessions: [['s1', 'v1', '2026-03-01T09:59:59.000Z', 'referral'], ['s2', 'v1', 1, 'paid']],
    expect: { first: ['s2', 'earliest_in_30d'], last: ['s2', 'latest_in_72h'], path: ['s2 first_last earliest_in_30d+latest_in_72h order_visitor'] } },
  // exactly 72 hours before: can be the last touch
  { name: 'a08', order: { visitor: 'v1' }, sessions: [['s1', 'v1', '2026-03-28T10:00:00.000Z', 'email']],
    expect: { first: ['s1', 'earliest_in_30d'], last: ['s1', 'latest_in_72h'], path: ['s1 first_last earliest_in_30d+latest_in_72h order_visitor'] } },
  // one second more than 72 hours: first touch only
  { name: 'a09', order: { visitor: 'v1' }, sessions: [['s1', 'v1', '2026-03-28T09:59:59.000Z', 'email']],
    expect: { first: ['s1', 'earliest_in_30d'], last: [null, 'no_session_in_72h'], path: ['s1 first earliest_in_30d order_visitor'] } },
  { name: 'a10', order: { visitor: 'v1' }, sessions: [['s1', 'v1', 40 * 24, 'paid']], expect: { first: NONE_30, last: NONE_30, path: [] } },
  { name: 'a11', order: {}, sessions: [], expect: { first: [null, 'no_identity'], last: [null, 'no_identity'], path: [] } },
  // a session that starts after the purchase never counts
  { name: 'a12', order: { visitor: 'v1' }, sessions: [['s1', 'v1', 3, 'paid'], ['s2', 'v1', -1, 'email']],
    expect: { first: ['s1', 'earliest_in_30d'], last: ['s1', 'latest_in_72h'], path: ['s1 first_last earliest_in_30d+latest_in_72h order_visitor'] } },
  // one that starts at the purchase instant does
  { name: 'a13', order: { visitor: 'v1' }, sessions: [['s1', 'v1', 0, 'email']],
    expect: { first: ['s1', 'earliest_in_30d'], last: ['s1', 'latest_in_72h'], path: ['s1 first_last earliest_in_30d+latest_in_72h order_visitor'] } },
  // linked by user id only
  { name: 'a14', order: { user: 'u' }, links: [['v2', 'u', '']], sessions: [['s1', 'v2', 6, 'paid']],
    expect: { first: ['s1', 'earliest_in_30d'], last: ['s1', 'latest_in_72h'], path: ['s1 first_last earliest_in_30d+latest_in_72h user_id'] } },
  // linked by email hash only
  { name: 'a15', order: { email: 'a15' }, links: [['v3', '', 'a15']], sessions: [['s1', 'v3', 50, 'referral']],
    expect: { first: ['s1', 'earliest_in_30d'], last: ['s1', 'latest_in_72h'], path: ['s1 first_last earliest_in_30d+latest_in_72h email_hash'] } },
  // identity merge: the order's visitor logged in as u, who also used another device (v2)
  { name: 'a16', order: { visitor: 'v1' }, links: [['v1', 'u', ''], ['v2', 'u', '']],
    sessions: [['s1', 'v2', 240, 'social'], ['s2', 'v2', 20, 'paid'], ['s3', 'v1', 1, 'direct']],
    expect: { first: ['s1', 'earliest_in_30d'], last: ['s2', 'latest_non_direct_in_72h'],
      path: ['s1 first earliest_in_30d user_id', 's2 last latest_non_direct_in_72h user_id', 's3 assist direct_passed_over order_visitor'] } },
  // cross-device by email, interleaved
  { name: 'a17', order: { visitor: 'v1', email: 'a17' }, links: [['v2', '', 'a17']],
    sessions: [['s1', 'v1', 300, 'organic'], ['s2', 'v2', 100, 'email'], ['s3', 'v1', 50, 'paid'], ['s4', 'v2', 10, 'referral']],
    expect: { first: ['s1', 'earliest_in_30d'], last: ['s4', 'latest_in_72h'],
      path: ['s1 first earliest_in_30d order_visitor', 's2 assist older_than_72h email_hash', 's3 assist later_session_in_72h order_visitor', 's4 last latest_in_72h email_hash'] } },
  // the strict rule (company setting): Direct keeps the last touch
  { name: 'a18', company: 'strict', order: { visitor: 'v1' }, sessions: [['s1', 'v1', 48, 'social'], ['s2', 'v1', 1, 'direct']],
    expect: { first: ['s1', 'earliest_in_30d'], last: ['s2', 'latest_in_72h'], path: ['s1 first earliest_in_30d order_visitor', 's2 last latest_in_72h order_visitor'] } },
  { name: 'a19', company: 'strict', order: { visitor: 'v1' }, sessions: [['s1', 'v1', 70, 'paid'], ['s2', 'v1', 20, 'email'], ['s3', 'v1', 2, 'direct']],
    expect: { first: ['s1', 'earliest_in_30d'], last: ['s3', 'latest_in_72h'],
      path: ['s1 first earliest_in_30d order_visitor', 's2 assist later_session_in_72h order_visitor', 's3 last latest_in_72h order_visitor'] } },
  // DST (Berlin springs forward on 2026-03-29): windows are elapsed hours, not wall-clock days
  { name: 'a20', order: { visitor: 'v1' },
    sessions: [['s1', 'v1', '2026-03-01T09:59:59.000Z', 'paid'], ['s2', 'v1', '2026-03-01T10:00:00.000Z', 'email'], ['s3', 'v1', '2026-03-01T11:00:00.000Z', 'organic'],
      ['s4', 'v1', '2026-03-28T09:59:59.000Z', 'referral'], ['s5', 'v1', '2026-03-28T10:00:00.000Z', 'social']],
    expect: { first: ['s2', 'earliest_in_30d'], last: ['s5', 'latest_in_72h'],
      path: ['s2 first earliest_in_30d order_visitor', 's3 assist older_than_72h order_visitor', 's4 assist older_than_72h order_visitor', 's5 last latest_in_72h order_visitor'] } },
  // DST (Berlin falls back on 2026-10-25)
  { name: 'a21', purchasedAt: '2026-10-27T12:00:00.000Z', order: { visitor: 'v1' },
    sessions: [['s1', 'v1', '2026-10-24T11:59:59.000Z', 'paid'], ['s2', 'v1', '2026-10-24T12:00:00.000Z', 'email']],
    expect: { first: ['s1', 'earliest_in_30d'], last: ['s2', 'latest_in_72h'], path: ['s1 first earliest_in_30d order_visitor', 's2 last latest_in_72h order_visitor'] } },
  // two sessions starting at the same instant: ordered by session id
  { name: 'a22', order: { visitor: 'v1' }, sessions: [['sb', 'v1', 5, 'paid'], ['sa', 'v1', 5, 'email']],
    expect: { first: ['sa', 'earliest_in_30d'], last: ['sb', 'latest_in_72h'], path: ['sa first earliest_in_30d order_visitor', 'sb last latest_in_72h order_visitor'] } },
  // a refunded order keeps its attribution (net revenue is reported beside it)
  { name: 'a23', totalMinor: 5000, refundedMinor: 2000, order: { visitor: 'v1' }, sessions: [['s1', 'v1', 4, 'paid']],
    expect: { first: ['s1', 'earliest_in_30d'], last: ['s1', 'latest_in_72h'], path: ['s1 first_last earliest_in_30d+latest_in_72h order_visitor'] } },
  { name: 'a24', order: { visitor: 'v1' }, sessions: [['s1', 'v1', 30, 'email']],
    expect: { first: ['s1', 'earliest_in_30d'], last: ['s1', 'latest_in_72h'], path: ['s1 first_last earliest_in_30d+latest_in_72h order_visitor'] } },
  { name: 'a25', totalMinor: 1000, order: { visitor: 'v1' }, sessions: [['s1', 'v1', 200, 'organic'], ['s2', 'v1', 100, 'email'], ['s3', 'v1', 10, 'paid']],
    expect: { first: ['s1', 'earliest_in_30d'], last: ['s3', 'latest_in_72h'],
      path: ['s1 first earliest_in_30d order_visitor', 's2 assist older_than_72h order_visitor', 's3 last latest_in_72h order_visitor'] } },
  { name: 'a26', order: { visitor: 'v1' }, sessions: [['s1', 'v1', 40, 'paid'], ['s2', 'v1', 20, 'direct'], ['s3', 'v1', 2, 'direct']],
    expect: { first: ['s1', 'earliest_in_30d'], last: ['s1', 'latest_non_direct_in_72h'],
      path: ['s1 first_last earliest_in_30d+latest_non_direct_in_72h order_visitor', 's2 assist direct_passed_over order_visitor', 's3 assist direct_passed_over order_visitor'] } },
  { name: 'a27', order: { visitor: 'v1' }, sessions: [['s1', 'v1', 240, 'organic'], ['s2', 'v1', 60, 'paid'], ['s3', 'v1', 30, 'email'], ['s4', 'v1', 2, 'direct']],
    expect: { first: ['s1', 'earliest_in_30d'], last: ['s3', 'latest_non_direct_in_72h'],
      path: ['s1 first earliest_in_30d order_visitor', 's2 assist later_session_in_72h order_visitor', 's3 last latest_non_direct_in_72h order_visitor', 's4 assist direct_passed_over order_visitor'] } },
  { name: 'a28', order: { user: 'lonely' }, sessions: [], expect: { first: NONE_30, last: NONE_30, path: [] } },
  { name: 'a29', order: { visitor: 'v1' }, sessions: [['s1', 'v1', 800, 'paid'], ['s2', 'v1', 500, 'referral'], ['s3', 'v1', 200, 'organic']],
    expect: { first: ['s2', 'earliest_in_30d'], last: [null, 'no_session_in_72h'], path: ['s2 first earliest_in_30d order_visitor', 's3 assist older_than_72h order_visitor'] } },
  // reached by the order's visitor and by its email: the stronger link is kept
  { name: 'a30', order: { visitor: 'v1', email: 'a30' }, links: [['v1', '', 'a30']], sessions: [['s1', 'v1', 8, 'email']],
    expect: { first: ['s1', 'earliest_in_30d'], last: ['s1', 'latest_in_72h'], path: ['s1 first_last earliest_in_30d+latest_in_72h order_visitor'] } },
  { name: 'a31', totalMinor: 0, order: { visitor: 'v1' }, sessions: [['s1', 'v1', 1, 'paid']],
    expect: { first: ['s1', 'earliest_in_30d'], last: ['s1', 'latest_in_72h'], path: ['s1 first_last earliest_in_30d+latest_in_72h order_visitor'] } },
  // purchase at the very instant Berlin's clocks jump (01:00Z); a session exactly 72 h earlier
  { name: 'a32', purchasedAt: '2026-03-29T01:00:00.000Z', order: { visitor: 'v1' }, sessions: [['s1', 'v1', '2026-03-26T01:00:00.000Z', 'social'], ['s2', 'v1', '2026-03-26T00:59:59.000Z', 'paid']],
    expect: { first: ['s2', 'earliest_in_30d'], last: ['s1', 'latest_in_72h'], path: ['s2 first earliest_in_30d order_visitor', 's1 last latest_in_72h order_visitor'] } },
];

export function sessionStart(c: FixtureCase, at: number | string): string {
  if (typeof at === 'string') return at;
  return new Date(Date.parse(c.purchasedAt ?? PURCHASE) - at * 3600 * 1000).toISOString();
}

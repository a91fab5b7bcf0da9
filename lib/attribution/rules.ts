// Attribution V1: which sessions get the credit for an order. Pure: the activity (activities/attribution)
// loads the candidate sessions and stores what this returns; docs/attribution.md says the same in words.
//
// Windows are elapsed time measured on instants (30 × 24 h and 72 h before the purchase instant), never
// calendar days in some time zone: a DST change in the company's zone neither lengthens nor shortens
// them, and every server computes the same result. Both ends are inclusive: a session that started
// exactly 30 days (or 72 hours) before the purchase, or at the very same instant, counts.
import { distribute, positionWeights, timeDecayWeights } from './credit';

export const RULE_VERSION = 'attribution-v1';
export const LOOKBACK_MS = 30 * 24 * 3600 * 1000;
export const LAST_TOUCH_WINDOW_MS = 72 * 3600 * 1000;

/** last_non_direct (default): a Direct last session yields to the latest non-direct one in the 72 h. last_touch: strict. */
export const LAST_TOUCH_RULES = ['last_non_direct', 'last_touch'] as const;
export type LastTouchRule = (typeof LAST_TOUCH_RULES)[number];

/** How a session's visitor is linked to the order's customer (strongest first). */
export const MATCHED_BY = ['order_visitor', 'user_id', 'email_hash'] as const;
export type MatchedBy = (typeof MATCHED_BY)[number];

export const MODELS = ['first_touch', 'last_touch', 'linear', 'position_based', 'time_decay'] as const;
export type Model = (typeof MODELS)[number];
export type Credits = Record<Model, number>;

export type CandidateSession = {
  sessionId: string;
  visitorId: string | null;
  matchedBy: MatchedBy;
  /** ms since the epoch */
  startedAt: number;
  channel: string;
  source: string;
  medium: string;
  campaign: string | null;
};

export type OrderFacts = {
  /** ms since the epoch: the order's created_at */
  purchasedAt: number;
  revenueMinor: number;
  /** The order carries a visitor id, user id or email hash (otherwise nobody can be linked). */
  hasIdentity: boolean;
};

export type TouchRole = 'first' | 'last' | 'first_last' | 'assist';

/** Why a touch was or was not chosen (stored per touch, shown by `lux attribution explain`). */
export type TouchReason =
  | 'earliest_in_30d'
  | 'latest_in_72h'
  | 'latest_non_direct_in_72h'
  | 'older_than_72h'
  | 'later_session_in_72h'
  | 'direct_passed_over';

/** Why the order's first/last touch is what it is; the no_* reasons mean the field stays null. */
export type FirstTouchReason = 'earliest_in_30d' | 'no_identity' | 'no_session_in_30d';
export type LastTouchReason = 'latest_in_72h' | 'latest_non_direct_in_72h' | 'no_identity' | 'no_session_in_30d' | 'no_session_in_72h';

export type Touch = CandidateSession & {
  /** 1-based, in path order (started_at, then session id) */
  position: number;
  role: TouchRole;
  /** one reason, or two joined by '+' for a touch that is both first and last */
  reason: string;
  credits: Credits;
};

export type AttributionResult = {
  ruleVersion: string;
  lastTouchRule: LastTouchRule;
  firstTouch: Touch | null;
  firstTouchReason: FirstTouchReason;
  lastTouch: Touch | null;
  lastTouchReason: LastTouchReason;
  /** every candidate touch in path order */
  touches: Touch[];
};

/** Sessions that count at all: started in [purchase − 30 days, purchase], one entry per session (strongest link kept). */
export function candidateTouches(order: Pick<OrderFacts, 'purchasedAt'>, sessions: readonly CandidateSession[]): CandidateSession[] {
  const from = order.purchasedAt - LOOKBACK_MS;
  const bySession = new Map<string, CandidateSession>();
  for (const s of sessions) {
    if (s.startedAt < from || s.startedAt > order.purchasedAt) continue;
    const seen = bySession.get(s.sessionId);
    if (!seen || MATCHED_BY.indexOf(s.matchedBy) < MATCHED_BY.indexOf(seen.matchedBy)) bySession.set(s.sessionId, s);
  }
  return [...bySession.values()].sort(comparePath);
}

function comparePath(a: CandidateSession, b: CandidateSession): number {
  if (a.startedAt !== b.startedAt) return a.startedAt - b.startedAt;
  return a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0;
}

export const isDirect = (s: Pick<CandidateSession, 'channel'>): boolean => s.channel === 'Direct';

export function attributeOrder(order: OrderFacts, sessions: readonly CandidateSession[], rule: LastTouchRule = 'last_non_direct'): AttributionResult {
  const path = candidateTouches(order, sessions);
  const base = { ruleVersion: RULE_VERSION, lastTouchRule: rule };
  if (path.length === 0) {
    const reason = order.hasIdentity ? 'no_session_in_30d' : 'no_identity';
    return { ...base, firstTouch: null, firstTouchReason: reason, lastTouch: null, lastTouchReason: reason, touches: [] };
  }

  // section: last touch
  const lastWindowStart = order.purchasedAt - LAST_TOUCH_WINDOW_MS;
  let lastIndex: number | null = null;
  let lastTouchReason: LastTouchReason = 'no_session_in_72h';
  const latestIndex = path.length - 1;
  const latest = path[latestIndex];
  // the path is sorted by start, so the latest session in the 72 h is the path's last one, if it is in them
  if (latest && latest.startedAt >= lastWindowStart) {
    lastIndex = latestIndex;
    lastTouchReason = 'latest_in_72h';
    if (rule === 'last_non_direct' && isDirect(latest)) {
      for (let i = latestIndex - 1; i >= 0; i--) {
        const s = path[i];
        if (!s || s.startedAt < lastWindowStart) break;
        if (!isDirect(s)) {
          lastIndex = i;
          lastTouchReason = 'latest_non_direct_in_72h';
          break;
        }
      }
    }
  }

  // section: credits per model (each sums to the revenue; last_touch sums to 0 when there is no last touch)
  const n = path.length;
  const revenue = order.revenueMinor;
  // first / last touch credit the whole revenue to one touch: what distribute(revenue, one-hot weights)
  // returns, built directly (two of the five splits, on every order of a backfill)
  const allOn = (index: number | null) => {
    const credits = new Array<number>(n).fill(0);
    if (index !== null) credits[index] = revenue;
    return credits;
  };
  const ages = new Array<number>(n);
  for (let i = 0; i < n; i++) ages[i] = order.purchasedAt - (path[i]?.startedAt ?? 0);
  const linearCredits = distribute(revenue, new Array<number>(n).fill(1));
  const positionCredits = distribute(revenue, positionWeights(n));
  const decayCredits = distribute(revenue, timeDecayWeights(ages));
  // after the splits above, which reject a revenue that is not a non-negative safe integer
  const firstCredits = allOn(0);
  const lastCredits = allOn(lastIndex);

  // section: the path, each touch with its role and reason
  const touches: Touch[] = path.map((s, i) => {
    const isFirst = i === 0;
    const isLast = i === lastIndex;
    let reason: string;
    if (isFirst && isLast) reason = `earliest_in_30d+${lastTouchReason}`;
    else if (isFirst) reason = 'earliest_in_30d';
    else if (isLast) reason = lastTouchReason;
    else if (s.startedAt < lastWindowStart) reason = 'older_than_72h';
    else if (lastIndex !== null && i > lastIndex) reason = 'direct_passed_over';
    else reason = 'later_session_in_72h';
    // keys in MODELS order
    const credits: Credits = {
      first_touch: firstCredits[i] ?? 0,
      last_touch: lastCredits[i] ?? 0,
      linear: linearCredits[i] ?? 0,
      position_based: positionCredits[i] ?? 0,
      time_decay: decayCredits[i] ?? 0,
    };
    const role: TouchRole = isFirst && isLast ? 'first_last' : isFirst ? 'first' : isLast ? 'last' : 'assist';
    // the session's fields one by one, not `...s`: V8 builds spread-then-extend objects on a slow path
    // (~20× slower, which was most of the backfill's compute time)
    return {
      sessionId: s.sessionId, visitorId: s.visitorId, matchedBy: s.matchedBy, startedAt: s.startedAt, channel: s.channel, source: s.source,
      medium: s.medium, campaign: s.campaign, position: i + 1, role, reason, credits,
    };
  });

  return {
    ...base,
    firstTouch: touches[0] ?? null,
    firstTouchReason: 'earliest_in_30d',
    lastTouch: lastIndex === null ? null : (touches[lastIndex] ?? null),
    lastTouchReason,
    touches,
  };
}

/** The company setting (companies.settings.attribution_last_touch); anything else falls back to the default. */
export function lastTouchRuleFromSettings(settings: unknown): LastTouchRule {
  const value = settings && typeof settings === 'object' ? (settings as Record<string, unknown>).attribution_last_touch : undefined;
  return value === 'last_touch' ? 'last_touch' : 'last_non_direct';
}

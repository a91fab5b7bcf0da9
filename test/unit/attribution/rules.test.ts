import {
  attributeOrder,
  candidateTouches,
  lastTouchRuleFromSettings,
  LOOKBACK_MS,
  LAST_TOUCH_WINDOW_MS,
  MODELS,
  type CandidateSession,
  type OrderFacts,
} from '../../../lib/attribution/rules';

const H = 3600 * 1000;
const PURCHASE = Date.parse('2026-03-31T12:00:00Z');
const order = (o: Partial<OrderFacts> = {}): OrderFacts => ({ purchasedAt: PURCHASE, revenueMinor: 10_000, hasIdentity: true, ...o });

function session(id: string, hoursBefore: number, channel = 'Paid Search', extra: Partial<CandidateSession> = {}): CandidateSession {
  return { sessionId: id, visitorId: 'v1', matchedBy: 'order_visitor', startedAt: PURCHASE - hoursBefore * H, channel, source: 'google', medium: 'cpc', campaign: null, ...extra };
}

const ids = (touches: { sessionId: string }[]) => touches.map((t) => t.sessionId);
const summary = (r: ReturnType<typeof attributeOrder>) => ({
  first: r.firstTouch?.sessionId ?? null,
  firstReason: r.firstTouchReason,
  last: r.lastTouch?.sessionId ?? null,
  lastReason: r.lastTouchReason,
  path: r.touches.map((t) => `${t.sessionId}:${t.role}:${t.reason}`),
});

describe('candidate touches', () => {
  test('a session started exactly 30 days before the purchase counts; one millisecond earlier does not', () => {
    const onEdge = { ...session('edge', 0), startedAt: PURCHASE - LOOKBACK_MS };
    const outside = { ...session('outside', 0), startedAt: PURCHASE - LOOKBACK_MS - 1 };
    expect(ids(candidateTouches(order(), [onEdge, outside]))).toEqual(['edge']);
  });

  test('a session started at the purchase instant counts; one started after it never does', () => {
    expect(ids(candidateTouches(order(), [session('at', 0), { ...session('after', 0), startedAt: PURCHASE + 1 }]))).toEqual(['at']);
  });

  test('30 days are 720 hours of elapsed time, across a DST change too', () => {
    // Berlin moved its clocks forward on 2026-03-29. 30 calendar days before 2026-03-31 12:00 Berlin
    // (10:00Z) is 2026-03-01 12:00 Berlin (11:00Z): 719 hours earlier, inside the window. The instant
    // 720 hours earlier is 2026-03-01 11:00 Berlin; a session at 10:59 Berlin that day is outside.
    const purchase = Date.parse('2026-03-31T10:00:00Z');
    const sameWallClock = { ...session('wall', 0), startedAt: Date.parse('2026-03-01T11:00:00Z') };
    const beforeEdge = { ...session('early', 0), startedAt: Date.parse('2026-03-01T09:59:59Z') };
    const edge = { ...session('edge', 0), startedAt: Date.parse('2026-03-01T10:00:00Z') };
    expect(ids(candidateTouches({ purchasedAt: purchase }, [sameWallClock, beforeEdge, edge]))).toEqual(['edge', 'wall']);
  });

  test('a session reached by several links appears once, with the strongest link', () => {
    const viaEmail = session('s1', 5, 'Email', { matchedBy: 'email_hash' });
    const viaVisitor = session('s1', 5, 'Email', { matchedBy: 'order_visitor' });
    const viaUser = session('s1', 5, 'Email', { matchedBy: 'user_id' });
    expect(candidateTouches(order(), [viaEmail, viaUser, viaVisitor]).map((t) => [t.sessionId, t.matchedBy])).toEqual([['s1', 'order_visitor']]);
    expect(candidateTouches(order(), [viaEmail, viaUser]).map((t) => t.matchedBy)).toEqual(['user_id']);
  });

  test('the path is ordered by start time, ties by session id', () => {
    expect(ids(candidateTouches(order(), [session('b', 1), session('a', 1), session('c', 2)]))).toEqual(['c', 'a', 'b']);
  });
});

describe('first and last touch', () => {
  test('one session is both first and last touch', () => {
    expect(summary(attributeOrder(order(), [session('s', 2)]))).toEqual({
      first: 's', firstReason: 'earliest_in_30d', last: 's', lastReason: 'latest_in_72h', path: ['s:first_last:earliest_in_30d+latest_in_72h'],
    });
  });

  test('first touch is the earliest in 30 days, last touch the latest in 72 hours', () => {
    const r = attributeOrder(order(), [session('old', 20 * 24, 'Organic Social'), session('mid', 10 * 24, 'Email'), session('near', 30, 'Paid Search'), session('recent', 3, 'Referral')]);
    expect(summary(r)).toEqual({
      first: 'old', firstReason: 'earliest_in_30d', last: 'recent', lastReason: 'latest_in_72h',
      path: ['old:first:earliest_in_30d', 'mid:assist:older_than_72h', 'near:assist:later_session_in_72h', 'recent:last:latest_in_72h'],
    });
  });

  test('a session exactly 72 hours before the purchase can be the last touch; one millisecond earlier cannot', () => {
    const edge = { ...session('edge', 0), startedAt: PURCHASE - LAST_TOUCH_WINDOW_MS };
    expect(attributeOrder(order(), [edge]).lastTouch?.sessionId).toBe('edge');
    const outside = { ...session('outside', 0), startedAt: PURCHASE - LAST_TOUCH_WINDOW_MS - 1 };
    const r = attributeOrder(order(), [outside]);
    expect([r.firstTouch?.sessionId, r.lastTouch, r.lastTouchReason]).toEqual(['outside', null, 'no_session_in_72h']);
  });

  test('a Direct last session yields to the latest non-direct one in the 72 hours (last non-direct click)', () => {
    const r = attributeOrder(order(), [session('ad', 48, 'Paid Social'), session('mail', 24, 'Email'), session('direct', 1, 'Direct')]);
    expect(summary(r)).toEqual({
      first: 'ad', firstReason: 'earliest_in_30d', last: 'mail', lastReason: 'latest_non_direct_in_72h',
      path: ['ad:first:earliest_in_30d', 'mail:last:latest_non_direct_in_72h', 'direct:assist:direct_passed_over'],
    });
  });

  test('several Direct sessions after the non-direct one are all passed over', () => {
    const r = attributeOrder(order(), [session('ad', 40, 'Paid Social'), session('d1', 20, 'Direct'), session('d2', 2, 'Direct')]);
    expect(r.touches.map((t) => t.reason)).toEqual(['earliest_in_30d+latest_non_direct_in_72h', 'direct_passed_over', 'direct_passed_over']);
  });

  test('a non-direct session older than 72 hours does not rescue a Direct last touch', () => {
    const r = attributeOrder(order(), [session('ad', 100, 'Paid Social'), session('direct', 5, 'Direct')]);
    expect(summary(r)).toEqual({
      first: 'ad', firstReason: 'earliest_in_30d', last: 'direct', lastReason: 'latest_in_72h',
      path: ['ad:first:earliest_in_30d', 'direct:last:latest_in_72h'],
    });
  });

  test('the strict rule (company setting) keeps the Direct last session', () => {
    const sessions = [session('ad', 48, 'Paid Social'), session('direct', 1, 'Direct')];
    const r = attributeOrder(order(), sessions, 'last_touch');
    expect([r.lastTouch?.sessionId, r.lastTouchReason, r.lastTouchRule]).toEqual(['direct', 'latest_in_72h', 'last_touch']);
    expect(attributeOrder(order(), sessions).lastTouch?.sessionId).toBe('ad');
  });

  test('only Direct sessions: the latest Direct one is the last touch', () => {
    const r = attributeOrder(order(), [session('d1', 30, 'Direct'), session('d2', 3, 'Direct')]);
    expect([r.firstTouch?.sessionId, r.lastTouch?.sessionId, r.lastTouchReason]).toEqual(['d1', 'd2', 'latest_in_72h']);
  });

  test('no session in 30 days: both fields null, reason recorded', () => {
    const r = attributeOrder(order(), [session('ancient', 31 * 24)]);
    expect(summary(r)).toEqual({ first: null, firstReason: 'no_session_in_30d', last: null, lastReason: 'no_session_in_30d', path: [] });
  });

  test('an order with no visitor, user or email says so', () => {
    const r = attributeOrder(order({ hasIdentity: false }), []);
    expect([r.firstTouchReason, r.lastTouchReason]).toEqual(['no_identity', 'no_identity']);
  });
});

describe('credited revenue', () => {
  const sessions = [session('a', 25 * 24, 'Email'), session('b', 7 * 24, 'Organic Search'), session('c', 50, 'Paid Search'), session('d', 1, 'Direct')];

  test('every model sums exactly to the order revenue', () => {
    for (const revenue of [0, 1, 2, 3, 999, 10_000, 12_345_679]) {
      const r = attributeOrder(order({ revenueMinor: revenue }), sessions);
      for (const model of MODELS) expect({ model, revenue, sum: r.touches.reduce((a, t) => a + t.credits[model], 0) }).toEqual({ model, revenue, sum: revenue });
    }
  });

  test('first touch, last (non-direct) touch, linear, position-based and time-decay credits', () => {
    const r = attributeOrder(order({ revenueMinor: 10_000 }), sessions);
    const col = (m: (typeof MODELS)[number]) => r.touches.map((t) => t.credits[m]);
    expect(col('first_touch')).toEqual([10_000, 0, 0, 0]);
    expect(col('last_touch')).toEqual([0, 0, 10_000, 0]);
    expect(col('linear')).toEqual([2500, 2500, 2500, 2500]);
    expect(col('position_based')).toEqual([4000, 1000, 1000, 4000]);
    const decay = col('time_decay');
    expect(decay.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect([...decay].sort((a, b) => a - b)).toEqual(decay); // more recent, more credit
  });

  test('no last touch in 72 hours: the last-touch model credits nothing, the others still sum to the revenue', () => {
    const r = attributeOrder(order({ revenueMinor: 1000 }), [session('x', 100), session('y', 80)]);
    expect(r.touches.map((t) => t.credits.last_touch)).toEqual([0, 0]);
    expect(r.touches.map((t) => t.credits.linear)).toEqual([500, 500]);
  });

  test('the same input always gives the same result', () => {
    expect(attributeOrder(order(), [...sessions].reverse())).toEqual(attributeOrder(order(), sessions));
  });
});

test('the company setting selects the strict rule; anything else is the default', () => {
  expect(lastTouchRuleFromSettings({ attribution_last_touch: 'last_touch' })).toBe('last_touch');
  expect(lastTouchRuleFromSettings({ attribution_last_touch: 'last_non_direct' })).toBe('last_non_direct');
  expect(lastTouchRuleFromSettings({ attribution_last_touch: 'nonsense' })).toBe('last_non_direct');
  expect(lastTouchRuleFromSettings(null)).toBe('last_non_direct');
  expect(lastTouchRuleFromSettings({})).toBe('last_non_direct');
});

// Every rule: a fixture where it fires (with the numbers worked out by hand) and fixtures where it must not.
import { evaluateAlertRules } from '../../../lib/alerts/evaluate';
import {
  checkoutAbandonmentRule, cpaIncreaseRule, creativeFatigueRule, emailRateRules, funnelStepDropRule, revenueAnomalyRule,
} from '../../../lib/alerts/rules';
import { resolveThresholds } from '../../../lib/alerts/thresholds';
import type { AlertInputs } from '../../../lib/alerts/types';
import { DAY, funnelCounts, quietInputs } from './inputs';

describe('a quiet day', () => {
  test('fires nothing', () => {
    expect(evaluateAlertRules(quietInputs())).toEqual([]);
  });
});

describe('CPA up week over week', () => {
  // Paid Search: Brand steady at 1,000 per order; Generic spent 900 for 30 orders (was 500 for 50).
  // Channel CPA 100,000/100 = 1,000 → 140,000/80 = 1,750 (+75 %); blended 100,000/200 = 500 → 140,000/180 = 777.78.
  const acquisition = (scale = 1): AlertInputs['acquisition'] => [
    { channel: 'Paid Search', campaign: 'Brand', previous: { spendMinor: 50_000 * scale, orders: 50 }, current: { spendMinor: 50_000 * scale, orders: 50 } },
    { channel: 'Paid Search', campaign: 'Generic', previous: { spendMinor: 50_000 * scale, orders: 50 }, current: { spendMinor: 90_000 * scale, orders: 30 } },
    { channel: 'Organic Search', campaign: '(not set)', previous: { spendMinor: 0, orders: 100 }, current: { spendMinor: 0, orders: 100 } },
  ];

  test('fires per channel and overall, naming the campaign that drove it', () => {
    const alerts = cpaIncreaseRule(quietInputs({ acquisition: acquisition() }));
    const channel = alerts.find((a) => a.dimensionKind === 'channel');
    expect(channel).toMatchObject({ dimensionValue: 'Paid Search', severity: 'critical', current: 1750, baseline: 1000 });
    expect(channel?.change).toBeCloseTo(0.75, 10);
    // (90,000 - 1,000 · 30) / 80 = 750: the whole rise
    expect(channel?.contributors).toEqual([{ kind: 'campaign', label: 'Generic', current: 3000, baseline: 1000, contribution: 750 }]);
    const overall = alerts.find((a) => a.dimensionKind === 'overall');
    expect(overall).toMatchObject({ dimensionValue: 'all', severity: 'critical', baseline: 500 });
    expect(overall?.current).toBeCloseTo(777.78, 2);
    expect(overall?.contributors[0]?.label).toBe('Paid Search / Generic');
    expect(alerts.some((a) => a.dimensionValue === 'Organic Search')).toBe(false);
  });

  test('does not fire below the minimum spend', () => {
    expect(cpaIncreaseRule(quietInputs({ acquisition: acquisition(0.05) }))).toEqual([]);
  });

  test('does not fire on a rise below 20 %', () => {
    const rows: AlertInputs['acquisition'] = [
      { channel: 'Paid Social', campaign: 'Spring', previous: { spendMinor: 100_000, orders: 100 }, current: { spendMinor: 115_000, orders: 100 } },
    ];
    expect(cpaIncreaseRule(quietInputs({ acquisition: rows }))).toEqual([]);
  });

  test('a company threshold override applies', () => {
    const rows: AlertInputs['acquisition'] = [
      { channel: 'Paid Social', campaign: 'Spring', previous: { spendMinor: 100_000, orders: 100 }, current: { spendMinor: 115_000, orders: 100 } },
    ];
    const alerts = cpaIncreaseRule(quietInputs({ acquisition: rows, thresholds: resolveThresholds({ cpa: { maxIncrease: 0.1 } }) }));
    expect(alerts.map((a) => [a.dimensionKind, a.severity])).toEqual([['overall', 'warning'], ['channel', 'warning']]);
  });
});

const BASE = funnelCounts(28_000, 2_800, 1_400, 700);

describe('funnel step conversion down', () => {
  test('fires on a significant drop, with the channel that lost the conversions', () => {
    const inputs = quietInputs({
      funnel: { ...quietInputs().funnel, current: funnelCounts(1000, 60, 30, 15), baseline: BASE },
      channelFunnel: [
        { channel: 'Direct', current: funnelCounts(500, 50, 25, 12), baseline: funnelCounts(14_000, 1_400, 700, 350) },
        { channel: 'Paid Social', current: funnelCounts(500, 10, 5, 3), baseline: funnelCounts(14_000, 1_400, 700, 350) },
      ],
    });
    const alerts = funnelStepDropRule(inputs);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ dimensionKind: 'step', dimensionValue: 'add_to_cart', severity: 'critical', current: 0.06, baseline: 0.1 });
    expect(alerts[0]?.change).toBeCloseTo(-0.4, 10);
    expect(alerts[0]?.details.z).toBeCloseTo(-4.17, 1);
    expect(alerts[0]?.contributors).toEqual([{ kind: 'channel', label: 'Paid Social', current: 0.02, baseline: 0.1, contribution: 40 }]);
  });

  test('does not fire on a small sample', () => {
    expect(funnelStepDropRule(quietInputs({ funnel: { ...quietInputs().funnel, current: funnelCounts(80, 2, 1, 0), baseline: BASE } }))).toEqual([]);
  });

  test('does not fire when the drop is within noise (z-test)', () => {
    // 8 % of 300 vs 10 %: a 20 % relative drop, z ≈ -1.2
    expect(funnelStepDropRule(quietInputs({ funnel: { ...quietInputs().funnel, current: funnelCounts(300, 24, 12, 6), baseline: BASE } }))).toEqual([]);
  });
});

describe('checkout abandonment spike', () => {
  test('fires when abandonment jumps against its trailing baseline', () => {
    const inputs = quietInputs({
      funnel: { ...quietInputs().funnel, current: funnelCounts(1000, 100, 50, 10), baseline: BASE },
      channelFunnel: [{ channel: 'Paid Search', current: funnelCounts(1000, 100, 50, 10), baseline: BASE }],
    });
    const alerts = checkoutAbandonmentRule(inputs);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ dimensionValue: 'checkout', severity: 'critical', current: 0.8, baseline: 0.5 });
    expect(alerts[0]?.details).toMatchObject({ checkouts: 50, abandoned: 40, increasePoints: 0.3 });
    expect(alerts[0]?.contributors[0]).toMatchObject({ label: 'Paid Search', contribution: 15 });
    // the same drop is not reported twice: the funnel rule leaves checkout → purchase to this rule
    expect(funnelStepDropRule(inputs)).toEqual([]);
  });

  test('does not fire with too few checkouts', () => {
    expect(checkoutAbandonmentRule(quietInputs({ funnel: { ...quietInputs().funnel, current: funnelCounts(1000, 100, 20, 2), baseline: BASE } }))).toEqual([]);
  });

  test('does not fire on a rise of a few points', () => {
    expect(checkoutAbandonmentRule(quietInputs({ funnel: { ...quietInputs().funnel, current: funnelCounts(1000, 100, 100, 45), baseline: BASE } }))).toEqual([]);
  });
});

describe('revenue anomaly (same weekday, median + MAD)', () => {
  const history = [100_000, 105_000, 98_000, 102_000, 99_000, 101_000, 103_000, 97_000].map((revenueMinor, i) => ({ day: `2025-04-${String(15 + i).padStart(2, '0')}`, revenueMinor }));
  const revenue = (currentMinor: number, weeks = history) => ({ currentMinor, fxRateMissing: false, sameWeekday: weeks });

  test('fires on a drop, naming the channel behind it', () => {
    const alerts = revenueAnomalyRule(
      quietInputs({
        revenue: revenue(40_000),
        channelRevenue: [
          { channel: 'Direct', currentMinor: 30_000, sameWeekdayMinor: Array(8).fill(40_000) as number[] },
          { channel: 'Paid Search', currentMinor: 10_000, sameWeekdayMinor: Array(8).fill(60_000) as number[] },
        ],
      }),
    );
    expect(alerts).toHaveLength(1);
    // median 100,500; MAD 2,000; robust z = (40,000 - 100,500) / (1.4826 · 2,000) = -20.4
    expect(alerts[0]).toMatchObject({ severity: 'critical', current: 40_000, baseline: 100_500 });
    expect(alerts[0]?.details).toMatchObject({ direction: 'drop', robustZ: -20.4, weeks: 8 });
    expect(alerts[0]?.contributors.map((c) => [c.label, c.contribution])).toEqual([['Paid Search', -50_000], ['Direct', -10_000]]);
  });

  test('fires on a spike too (as info)', () => {
    const alerts = revenueAnomalyRule(quietInputs({ revenue: revenue(200_000) }));
    expect(alerts.map((a) => [a.severity, a.details.direction])).toEqual([['info', 'spike']]);
  });

  test('does not fire on an ordinary day or a small move', () => {
    expect(revenueAnomalyRule(quietInputs({ revenue: revenue(101_000) }))).toEqual([]);
    // -10 %: outside the MAD band (z ≈ -3.5) but below the 25 % minimum change
    expect(revenueAnomalyRule(quietInputs({ revenue: revenue(90_000) }))).toEqual([]);
  });

  test('does not fire without enough history', () => {
    expect(revenueAnomalyRule(quietInputs({ revenue: revenue(10_000, history.slice(0, 3)) }))).toEqual([]);
  });
});

describe('email complaint and unsubscribe rates', () => {
  const email = (delivered: number, complained: number, unsubscribed: number) => ({
    windowFrom: '2025-06-04', windowTo: DAY, delivered, complained, unsubscribed,
    campaigns: [
      { campaignId: 'spring-sale', delivered: delivered * 0.6, complained: complained - 2, unsubscribed },
      { campaignId: 'newsletter', delivered: delivered * 0.4, complained: 2, unsubscribed: 0 },
    ],
  });

  test('a complaint rate above 0.1 % is a warning, naming the campaign', () => {
    const alerts = emailRateRules(quietInputs({ email: email(10_000, 15, 20) }));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ rule: 'email_complaint_rate', severity: 'warning', current: 0.0015, baseline: 0.001 });
    expect(alerts[0]?.contributors.map((c) => [c.label, c.contribution])).toEqual([['spring-sale', 13], ['newsletter', 2]]);
  });

  test('0.3 % is critical, and unsubscribes above 0.5 % add a warning', () => {
    const alerts = emailRateRules(quietInputs({ email: email(10_000, 40, 80) }));
    expect(alerts.map((a) => [a.rule, a.severity])).toEqual([['email_complaint_rate', 'critical'], ['email_unsubscribe_rate', 'warning']]);
  });

  test('does not fire under the threshold or on low volume', () => {
    expect(emailRateRules(quietInputs({ email: email(10_000, 8, 20) }))).toEqual([]);
    expect(emailRateRules(quietInputs({ email: email(500, 5, 10) }))).toEqual([]);
  });
});

describe('creative fatigue', () => {
  const creative = (over: Partial<AlertInputs['creatives'][number]> = {}): AlertInputs['creatives'][number] => ({
    platform: 'meta', creativeId: 'cr-1', name: 'Summer video', status: 'fatigued', asOf: DAY, fatiguedSince: '2025-06-08', peakCtr: 0.02,
    peakDay: '2025-05-20', currentCtr: 0.011, dropShare: 0.45, cumulativeImpressions: 250_000, spendLast7Minor: 35_000, ...over,
  });

  test('fires for a fatigued creative that still spends, one alert per episode', () => {
    const alerts = creativeFatigueRule(quietInputs({ creatives: [creative()] }));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ dimensionKind: 'creative', dimensionValue: 'meta:cr-1', current: 0.011, baseline: 0.02, dedupeSuffix: 'since:2025-06-08' });
    expect(alerts[0]?.change).toBeCloseTo(-0.45, 10);
  });

  test('does not fire for a healthy, stale or paused creative', () => {
    const creatives = [creative({ status: 'healthy' }), creative({ creativeId: 'old', asOf: '2025-06-01' }), creative({ creativeId: 'paused', spendLast7Minor: 0 })];
    expect(creativeFatigueRule(quietInputs({ creatives }))).toEqual([]);
  });
});

describe('thresholds', () => {
  test('reject unknown keys so a typo does not pass silently', () => {
    expect(() => resolveThresholds({ cpa: { maxIncrese: 0.3 } })).toThrow(/maxIncrese/);
  });
});

// The alert rules: pure functions from one company-day's metric inputs and thresholds to zero or more
// candidates, each with its numbers and the contributors that explain it. Defaults and their reasons:
// lib/alerts/thresholds.ts and docs/alerts.md.
import { mad, median, robustBaseline, twoProportionZ } from './stats';
import type { AlertCandidate, AlertInputs, Contributor, FunnelCounts, Severity } from './types';

const TOP_CONTRIBUTORS = 3;

const topPositive = (contributors: Contributor[]): Contributor[] =>
  contributors
    .filter((c) => c.contribution > 0)
    .sort((a, b) => b.contribution - a.contribution || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0))
    .slice(0, TOP_CONTRIBUTORS);

// section: CPA week over week -----------------------------------------------------------------------------------
// CPA = spend / last-touch orders, over the 7 days ending on the day vs the 7 days before (weekly windows:
// a daily CPA of a few orders is noise). Overall (all spend over all orders: blended) and per channel.
// Contributors are campaigns, by their exact share of the CPA rise:
//   CPA_now - CPA_before = Σ_campaigns (spend_now,i - CPA_before · orders_now,i) / orders_now
// so a campaign that spent more without bringing orders at the old price shows up first.
export function cpaIncreaseRule(inputs: AlertInputs): AlertCandidate[] {
  const t = inputs.thresholds.cpa;
  const groups = new Map<string, AlertInputs['acquisition']>([['', inputs.acquisition]]);
  for (const row of inputs.acquisition) groups.set(row.channel, [...(groups.get(row.channel) ?? []), row]);
  const out: AlertCandidate[] = [];
  for (const [channel, rows] of groups) {
    const sum = (pick: (r: AlertInputs['acquisition'][number]) => number) => rows.reduce((n, r) => n + pick(r), 0);
    const spendNow = sum((r) => r.current.spendMinor);
    const ordersNow = sum((r) => r.current.orders);
    const spendBefore = sum((r) => r.previous.spendMinor);
    const ordersBefore = sum((r) => r.previous.orders);
    // guards: enough spend in both weeks, a baseline with orders, and orders now (no orders at all is a
    // tracking or checkout problem the funnel and revenue rules report)
    if (spendNow < t.minSpendMinor || spendBefore < t.minSpendMinor || ordersBefore < t.minPreviousOrders || ordersNow < 1) continue;
    const cpaNow = spendNow / ordersNow;
    const cpaBefore = spendBefore / ordersBefore;
    const change = cpaNow / cpaBefore - 1;
    if (!(change > t.maxIncrease)) continue;
    const contributors = topPositive(
      rows.map((r) => ({
        kind: 'campaign' as const,
        label: channel === '' ? `${r.channel} / ${r.campaign}` : r.campaign,
        current: r.current.orders > 0 ? r.current.spendMinor / r.current.orders : null,
        baseline: r.previous.orders > 0 ? r.previous.spendMinor / r.previous.orders : null,
        contribution: (r.current.spendMinor - cpaBefore * r.current.orders) / ordersNow,
      })),
    );
    out.push({
      rule: 'cpa_increase',
      day: inputs.day,
      dimensionKind: channel === '' ? 'overall' : 'channel',
      dimensionValue: channel === '' ? 'all' : channel,
      severity: change >= t.criticalIncrease ? 'critical' : 'warning',
      unit: 'money_minor',
      current: cpaNow,
      baseline: cpaBefore,
      change,
      contributors,
      details: { spendNowMinor: spendNow, ordersNow, spendBeforeMinor: spendBefore, ordersBefore, threshold: t.maxIncrease },
    });
  }
  return out;
}

// section: funnel step conversion --------------------------------------------------------------------------------
type Step = { index: 2 | 3 | 4; name: string; from: keyof FunnelCounts; to: keyof FunnelCounts };
export const FUNNEL_RULE_STEPS: Step[] = [
  { index: 2, name: 'add_to_cart', from: 'pageViews', to: 'addToCart' },
  { index: 3, name: 'begin_checkout', from: 'addToCart', to: 'beginCheckout' },
];
const CHECKOUT_STEP: Step = { index: 4, name: 'purchase', from: 'beginCheckout', to: 'purchase' };

/** Per channel: the conversions lost against the channel's own baseline rate (current entrants × rate drop). */
function channelLosses(inputs: AlertInputs, step: Step): Contributor[] {
  return inputs.channelFunnel.flatMap((c) => {
    const nowIn = c.current[step.from];
    const baseIn = c.baseline[step.from];
    if (nowIn <= 0 || baseIn <= 0) return [];
    const rateNow = Math.min(1, c.current[step.to] / nowIn);
    const rateBase = Math.min(1, c.baseline[step.to] / baseIn);
    return [{ kind: 'channel' as const, label: c.channel, current: rateNow, baseline: rateBase, contribution: nowIn * (rateBase - rateNow) }];
  });
}

// Conversion from the previous step (sessions reaching step n / sessions reaching step n-1) on the day vs
// the pooled baseline days before it; fires on a relative drop ≥ minDrop that the two-proportion z-test
// finds significant (z ≤ -minZ), with at least minSessions entering the step on the day. The last step
// (checkout → purchase) is the checkout abandonment rule's, so one broken checkout is one alert, not two.
export function funnelStepDropRule(inputs: AlertInputs): AlertCandidate[] {
  const t = inputs.thresholds.funnel;
  const { current, baseline } = inputs.funnel;
  const out: AlertCandidate[] = [];
  for (const step of FUNNEL_RULE_STEPS) {
    const nowIn = current[step.from];
    const baseIn = baseline[step.from];
    if (nowIn < t.minSessions || baseIn < t.minSessions) continue;
    const rateNow = current[step.to] / nowIn;
    const rateBase = baseline[step.to] / baseIn;
    if (!(rateBase > 0)) continue;
    const drop = 1 - rateNow / rateBase;
    const z = twoProportionZ(baseline[step.to], baseIn, current[step.to], nowIn);
    if (drop < t.minDrop || z > -t.minZ) continue;
    out.push({
      rule: 'funnel_step_drop',
      day: inputs.day,
      dimensionKind: 'step',
      dimensionValue: step.name,
      severity: drop >= t.criticalDrop ? 'critical' : 'warning',
      unit: 'rate',
      current: rateNow,
      baseline: rateBase,
      change: rateNow / rateBase - 1,
      contributors: topPositive(channelLosses(inputs, step)),
      details: {
        fromStep: step.from, sessionsIn: nowIn, sessionsConverted: current[step.to], baselineSessionsIn: baseIn,
        baselineSessionsConverted: baseline[step.to], z: round(z, 2), baselineDays: inputs.funnel.baselineDays,
        baselineFrom: inputs.funnel.baselineFrom, baselineTo: inputs.funnel.baselineTo,
      },
    });
  }
  return out;
}

// section: checkout abandonment -----------------------------------------------------------------------------------
// Abandonment = sessions with begin_checkout but no purchase / sessions with begin_checkout, on the day vs
// the pooled baseline days; fires when it rose by ≥ minIncreasePoints percentage points and the z-test
// says it is not noise. Contributors: channels by their extra abandoned checkouts.
export function checkoutAbandonmentRule(inputs: AlertInputs): AlertCandidate[] {
  const t = inputs.thresholds.checkoutAbandonment;
  const { current, baseline } = inputs.funnel;
  const nowIn = current.beginCheckout;
  const baseIn = baseline.beginCheckout;
  if (nowIn < t.minCheckouts || baseIn < t.minCheckouts) return [];
  const abandonedNow = Math.max(0, nowIn - current.purchase);
  const abandonedBase = Math.max(0, baseIn - baseline.purchase);
  const rateNow = abandonedNow / nowIn;
  const rateBase = abandonedBase / baseIn;
  const points = rateNow - rateBase;
  const z = twoProportionZ(abandonedBase, baseIn, abandonedNow, nowIn);
  if (points < t.minIncreasePoints || z < t.minZ) return [];
  // a channel's extra abandoned checkouts = its checkouts × (its purchase-rate drop)
  const contributors = topPositive(channelLosses(inputs, CHECKOUT_STEP)).map((c) => ({
    ...c,
    current: c.current === null ? null : 1 - c.current,
    baseline: c.baseline === null ? null : 1 - c.baseline,
  }));
  return [
    {
      rule: 'checkout_abandonment_spike',
      day: inputs.day,
      dimensionKind: 'step',
      dimensionValue: 'checkout',
      severity: points >= t.criticalIncreasePoints ? 'critical' : 'warning',
      unit: 'rate',
      current: rateNow,
      baseline: rateBase,
      change: rateBase > 0 ? rateNow / rateBase - 1 : 1,
      contributors,
      details: {
        checkouts: nowIn, abandoned: abandonedNow, baselineCheckouts: baseIn, baselineAbandoned: abandonedBase, increasePoints: round(points, 4),
        z: round(z, 2), baselineDays: inputs.funnel.baselineDays, baselineFrom: inputs.funnel.baselineFrom, baselineTo: inputs.funnel.baselineTo,
      },
    },
  ];
}

// section: revenue anomaly -----------------------------------------------------------------------------------------
// The day's gross revenue vs the same weekday of the last `weeks` weeks: median and MAD (robust: one
// exceptional week in the history moves neither), robust z = (x - median) / (1.4826 · MAD). Drops and
// spikes both fire, when |z| ≥ minRobustZ and |change| ≥ minChange. A drop is a warning (critical past
// criticalRobustZ); a spike is info (good news, or double-counted orders worth a glance).
export function revenueAnomalyRule(inputs: AlertInputs): AlertCandidate[] {
  const t = inputs.thresholds.revenue;
  const history = inputs.revenue.sameWeekday.map((d) => d.revenueMinor);
  if (history.length < t.minWeeks) return [];
  const value = inputs.revenue.currentMinor;
  const base = robustBaseline(history, value);
  if (base.median < t.minBaselineMinor) return [];
  const change = value / base.median - 1;
  if (Math.abs(base.z) < t.minRobustZ || Math.abs(change) < t.minChange) return [];
  const direction = value < base.median ? 'drop' : 'spike';
  const severity: Severity = direction === 'spike' ? 'info' : Math.abs(base.z) >= t.criticalRobustZ ? 'critical' : 'warning';
  const sign = direction === 'drop' ? -1 : 1;
  const contributors = topPositive(
    inputs.channelRevenue.map((c) => {
      const channelMedian = c.sameWeekdayMinor.length > 0 ? median(c.sameWeekdayMinor) : 0;
      return { kind: 'channel' as const, label: c.channel, current: c.currentMinor, baseline: channelMedian, contribution: sign * (c.currentMinor - channelMedian) };
    }),
  ).map((c) => ({ ...c, contribution: sign * c.contribution }));
  return [
    {
      rule: 'revenue_anomaly',
      day: inputs.day,
      dimensionKind: 'overall',
      dimensionValue: 'all',
      severity,
      unit: 'money_minor',
      current: value,
      baseline: base.median,
      change,
      contributors,
      details: {
        direction, robustZ: round(base.z, 2), madMinor: mad(history), weeks: history.length,
        firstBaselineDay: inputs.revenue.sameWeekday[0]?.day ?? null, lastBaselineDay: inputs.revenue.sameWeekday.at(-1)?.day ?? null,
        fxRateMissing: inputs.revenue.fxRateMissing,
      },
    },
  ];
}

// section: email complaints and unsubscribes -----------------------------------------------------------------------
// Over the trailing `windowDays` days (complaints trickle in for days after a send), with at least
// minDelivered delivered emails. Complaint rate above 0.1 % (mailbox providers' guidance) is a warning,
// 0.3 % critical; the unsubscribe rate above 0.5 % is a warning of its own. The baseline of these alerts
// is the threshold itself. Contributors: campaigns by complaints (unsubscribes).
export function emailRateRules(inputs: AlertInputs): AlertCandidate[] {
  const t = inputs.thresholds.email;
  const e = inputs.email;
  if (e.delivered < t.minDelivered) return [];
  const out: AlertCandidate[] = [];
  const make = (rule: 'email_complaint_rate' | 'email_unsubscribe_rate', count: number, limit: number, severity: Severity, pick: (c: AlertInputs['email']['campaigns'][number]) => number): AlertCandidate => ({
    rule,
    day: inputs.day,
    dimensionKind: 'overall',
    dimensionValue: 'email',
    severity,
    unit: 'rate',
    current: count / e.delivered,
    baseline: limit,
    change: count / e.delivered / limit - 1,
    contributors: topPositive(
      e.campaigns.map((c) => ({ kind: 'campaign' as const, label: c.campaignId === '' ? '(no campaign)' : c.campaignId, current: c.delivered > 0 ? pick(c) / c.delivered : null, baseline: limit, contribution: pick(c) })),
    ),
    details: { delivered: e.delivered, count, windowFrom: e.windowFrom, windowTo: e.windowTo, windowDays: t.windowDays },
  });
  const complaintRate = e.complained / e.delivered;
  if (complaintRate > t.complaintRate) {
    out.push(make('email_complaint_rate', e.complained, t.complaintRate, complaintRate >= t.criticalComplaintRate ? 'critical' : 'warning', (c) => c.complained));
  }
  if (e.unsubscribed / e.delivered > t.unsubscribeRate) out.push(make('email_unsubscribe_rate', e.unsubscribed, t.unsubscribeRate, 'warning', (c) => c.unsubscribed));
  return out;
}

// section: creative fatigue --------------------------------------------------------------------------------------
// From creative_fatigue (lib/creatives/fatigue.ts decides; its guards apply): a creative fatigued as of
// the evaluated day that still spends. One alert per fatigue episode (dedupe on fatigued_since).
export function creativeFatigueRule(inputs: AlertInputs): AlertCandidate[] {
  const t = inputs.thresholds.creativeFatigue;
  return inputs.creatives
    .filter((c) => c.status === 'fatigued' && c.asOf === inputs.day && c.peakCtr !== null && c.currentCtr !== null && c.spendLast7Minor >= t.minSpendLast7Minor)
    .map((c) => ({
      rule: 'creative_fatigue' as const,
      day: inputs.day,
      dimensionKind: 'creative' as const,
      dimensionValue: `${c.platform}:${c.creativeId}`,
      severity: 'warning' as const,
      unit: 'rate' as const,
      current: c.currentCtr as number,
      baseline: c.peakCtr as number,
      change: (c.currentCtr as number) / (c.peakCtr as number) - 1,
      contributors: [],
      details: {
        platform: c.platform, creativeId: c.creativeId, name: c.name, fatiguedSince: c.fatiguedSince, peakDay: c.peakDay,
        cumulativeImpressions: c.cumulativeImpressions, spendLast7Minor: c.spendLast7Minor,
      },
      dedupeSuffix: `since:${c.fatiguedSince ?? c.asOf}`,
    }));
}

export const ALERT_RULES = [cpaIncreaseRule, funnelStepDropRule, checkoutAbandonmentRule, revenueAnomalyRule, emailRateRules, creativeFatigueRule] as const;

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

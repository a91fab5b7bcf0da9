// The shapes the alert rules work on: typed metric inputs for one company-local day (read from the
// rollup tables by activities/alerts/load-alert-inputs.ts) and the candidates the rules return. Plain
// data only: workflows run the rules (lib/alerts/evaluate.ts), so nothing here may do I/O.
import type { AlertThresholds } from './thresholds';

export type Severity = 'critical' | 'warning' | 'info';
export const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

export type RuleName =
  | 'cpa_increase'
  | 'funnel_step_drop'
  | 'checkout_abandonment_spike'
  | 'revenue_anomaly'
  | 'email_complaint_rate'
  | 'email_unsubscribe_rate'
  | 'creative_fatigue';

export type DimensionKind = 'overall' | 'channel' | 'campaign' | 'step' | 'creative';
/** money_minor: minor units of the reporting currency; rate: a share (0.012 = 1.2 %); count: a number of things. */
export type Unit = 'money_minor' | 'rate' | 'count';

/** What drove a change: a campaign, a channel. `contribution` is in the alert's unit (its share of the change). */
export type Contributor = {
  kind: DimensionKind;
  label: string;
  current: number | null;
  baseline: number | null;
  contribution: number;
};

export type AlertCandidate = {
  rule: RuleName;
  day: string;
  dimensionKind: DimensionKind;
  dimensionValue: string;
  severity: Severity;
  unit: Unit;
  current: number;
  baseline: number;
  /** (current - baseline) / baseline */
  change: number;
  contributors: Contributor[];
  /** The rule's other numbers (windows, counts, test statistics), shown in the explanation and kept in alerts.details. */
  details: Record<string, number | string | boolean | null>;
  /** Overrides the default dedupe key (creative fatigue: one alert per fatigue episode). */
  dedupeSuffix?: string;
};

/** A candidate with its dedupe key and its explanation, ready for the alerts table. */
export type Alert = AlertCandidate & { dedupeKey: string; title: string; explanation: string; explanationHtml: string };

export type WindowTotals = { spendMinor: number; orders: number };

export type FunnelCounts = { pageViews: number; addToCart: number; beginCheckout: number; purchase: number };

export type AlertInputs = {
  companyId: string;
  companyName: string;
  day: string;
  /** the reporting currency every money amount is in */
  currency: string;
  thresholds: AlertThresholds;
  /** Per channel and campaign: spend and last-touch orders of the 7 days ending on `day` and of the 7 before. */
  acquisition: Array<{ channel: string; campaign: string; current: WindowTotals; previous: WindowTotals }>;
  /** Sessions reaching each funnel step (agg_daily_funnel) on the day, and summed over the baseline days before it. */
  funnel: { current: FunnelCounts; baseline: FunnelCounts; baselineDays: number; baselineFrom: string; baselineTo: string };
  /** Step events per channel (agg_daily_acquisition), same windows: what the funnel rules name as contributors. */
  channelFunnel: Array<{ channel: string; current: FunnelCounts; baseline: FunnelCounts }>;
  /** Gross revenue (reporting currency) of the day and of the same weekday in each of the previous weeks that has data. */
  revenue: { currentMinor: number; fxRateMissing: boolean; sameWeekday: Array<{ day: string; revenueMinor: number }> };
  /** Last-touch revenue per channel on the day and on the same weekdays (same order as revenue.sameWeekday). */
  channelRevenue: Array<{ channel: string; currentMinor: number; sameWeekdayMinor: number[] }>;
  /** Email sends of the `windowDays` days ending on the day (agg_daily_messages, channel email). */
  email: {
    windowFrom: string;
    windowTo: string;
    delivered: number;
    complained: number;
    unsubscribed: number;
    campaigns: Array<{ campaignId: string; delivered: number; complained: number; unsubscribed: number }>;
  };
  /** creative_fatigue rows with the creative's name and spend of the last 7 days. */
  creatives: Array<{
    platform: string;
    creativeId: string;
    name: string | null;
    status: 'fatigued' | 'healthy' | 'insufficient_data';
    asOf: string;
    fatiguedSince: string | null;
    peakCtr: number | null;
    peakDay: string | null;
    currentCtr: number | null;
    dropShare: number | null;
    cumulativeImpressions: number;
    spendLast7Minor: number;
  }>;
};

// The metric catalogue: each metric's formula and the view it is read from. docs/metrics.md explains
// each in words with its SQL; test/unit/metrics/definitions.test.ts checks that the docs name every
// metric here, and the rollup integration test checks the SQL helpers against these constants.

/** Funnel steps in order (standard events, lib/ingest/standard-events.ts); SQL: funnel_step_index(). */
export const FUNNEL_STEPS = ['page_view', 'add_to_cart', 'begin_checkout', 'purchase'] as const;

/** A qualified session: ≥ 2 page views, or a key event, or ≥ 30 s between its first and last event. */
export const QUALIFIED_SESSION = {
  minPageViews: 2,
  minDurationSeconds: 30,
  keyEvents: ['add_to_cart', 'begin_checkout', 'purchase', 'lead_submit', 'signup'],
} as const;

/** Ad platform → channel and default source / medium its spend is reported under (SQL: ad_platform_*). */
export const AD_PLATFORM_CHANNELS = {
  google_ads: { channel: 'Paid Search', source: 'google', medium: 'cpc' },
  meta: { channel: 'Paid Social', source: 'facebook', medium: 'paid_social' },
  tiktok: { channel: 'Paid Social', source: 'tiktok', medium: 'paid_social' },
} as const;

/** Order statuses counted as placed orders (a refunded order was paid; its refund counts on its own day). */
export const COUNTED_ORDER_STATUSES = ['paid', 'fulfilled', 'partially_refunded', 'refunded'] as const;

/** Days the daily rollup recomputes (late data); the schedule's local time. */
export const DAILY_ROLLUP = { lookbackDays: 3, hour: 4, minute: 15 } as const;

export type MetricDefinition = { name: string; formula: string; view: string; columns: string[] };

export const METRICS: MetricDefinition[] = [
  { name: 'Revenue by channel', formula: 'sum(order total in reporting currency) by first-touch or last-touch channel', view: 'v_channel_daily', columns: ['revenue_first_touch_minor', 'revenue_last_touch_minor'] },
  { name: 'CAC', formula: 'spend / new customers (first touch)', view: 'v_channel_daily', columns: ['cac_minor'] },
  { name: 'ROAS', formula: 'attributed revenue (last touch; first touch available) / spend', view: 'v_channel_daily', columns: ['roas', 'roas_first_touch'] },
  { name: 'Funnel conversion and drop-off', formula: 'sessions reaching step n / sessions reaching step n-1; drop-off = difference', view: 'v_funnel_daily', columns: ['conversion_from_previous', 'conversion_from_first', 'drop_off'] },
  { name: 'Time to conversion', formula: 'purchase time - first touch time, in buckets', view: 'v_time_to_conversion_daily', columns: ['orders', 'share'] },
  { name: 'Qualified session rate', formula: 'qualified sessions / sessions', view: 'v_metrics_daily', columns: ['qualified_session_rate'] },
  { name: 'Repeat purchase rate', formula: 'customers with a second order / customers (by first-order cohort)', view: 'v_cohorts_monthly', columns: ['repeat_purchase_rate'] },
  { name: 'LTV', formula: 'revenue within 30/90/365 days of the first order / new customers', view: 'v_ltv_daily', columns: ['ltv_30d_minor', 'ltv_90d_minor', 'ltv_365d_minor'] },
  { name: 'AOV', formula: 'gross revenue / orders (converted orders)', view: 'v_metrics_daily', columns: ['aov_minor'] },
  { name: 'Refund rate', formula: 'refunded amount / gross revenue', view: 'v_metrics_daily', columns: ['refund_rate'] },
  { name: 'MRR', formula: 'sum(mrr of subscriptions active at the end of the day), in reporting currency', view: 'v_mrr_daily', columns: ['mrr_minor'] },
];

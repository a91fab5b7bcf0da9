// loadAlertInputs: every number the alert rules need for one company-local day, in a handful of
// set-based reads of the rollup tables (migrations 0008 and 0009) and the company's alert settings.
import { sql } from 'slonik';
import { z } from 'zod';
import { resolveThresholds } from '../../lib/alerts/thresholds';
import type { AlertInputs, FunnelCounts } from '../../lib/alerts/types';
import type { TenantTransaction } from '../../lib/db/tenant';

const companyRow = z.object({ name: z.string(), reporting_currency: z.string(), thresholds: z.unknown().nullable(), cooldown_days: z.number().nullable() });
const acquisitionRow = z.object({
  channel: z.string(), campaign: z.string(),
  cur_spend: z.coerce.number(), cur_orders: z.coerce.number(), prev_spend: z.coerce.number(), prev_orders: z.coerce.number(),
});
const funnelRow = z.object({ step_index: z.number(), cur: z.coerce.number(), base: z.coerce.number() });
const channelFunnelRow = z.object({
  channel: z.string(),
  cur_pv: z.coerce.number(), cur_atc: z.coerce.number(), cur_bc: z.coerce.number(), cur_p: z.coerce.number(),
  base_pv: z.coerce.number(), base_atc: z.coerce.number(), base_bc: z.coerce.number(), base_p: z.coerce.number(),
});
const revenueRow = z.object({ day: z.string(), revenue: z.coerce.number(), fx_missing: z.boolean(), has_data: z.boolean() });
const channelRevenueRow = z.object({ channel: z.string(), day: z.string(), revenue: z.coerce.number() });
const emailRow = z.object({ campaign_id: z.string(), delivered: z.coerce.number(), complained: z.coerce.number(), unsubscribed: z.coerce.number() });
const creativeRow = z.object({
  platform: z.string(), creative_id: z.string(), name: z.string().nullable(), status: z.enum(['fatigued', 'healthy', 'insufficient_data']), as_of: z.string(),
  fatigued_since: z.string().nullable(), peak_ctr: z.coerce.number().nullable(), peak_day: z.string().nullable(), current_ctr: z.coerce.number().nullable(),
  drop_share: z.coerce.number().nullable(), cumulative_impressions: z.coerce.number(), spend_last_7: z.coerce.number(),
});

const addDays = (day: string, n: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const counts = (pv: number, atc: number, bc: number, p: number): FunnelCounts => ({ pageViews: pv, addToCart: atc, beginCheckout: bc, purchase: p });

/** Reads inside the caller's tenant transaction. */
export async function loadAlertInputsSql(tx: TenantTransaction, companyId: string, day: string): Promise<AlertInputs> {
  const company = await tx.maybeOne(sql.type(companyRow)`
    SELECT c.name, c.reporting_currency, s.thresholds, s.cooldown_days
    FROM companies c LEFT JOIN alert_settings s USING (company_id)
    WHERE c.company_id = ${companyId}`);
  if (!company) throw new Error(`company ${companyId} not found`);
  const thresholds = resolveThresholds(company.thresholds ?? {}, company.cooldown_days ?? undefined);
  const baselineDays = thresholds.funnel.baselineDays;

  // section: CPA windows (7 days ending on the day, the 7 before)
  const acquisition = await tx.any(sql.type(acquisitionRow)`
    SELECT channel, campaign,
      coalesce(sum(spend_minor) FILTER (WHERE day > ${day}::date - 7), 0) AS cur_spend,
      coalesce(sum(orders_last_touch) FILTER (WHERE day > ${day}::date - 7), 0) AS cur_orders,
      coalesce(sum(spend_minor) FILTER (WHERE day <= ${day}::date - 7), 0) AS prev_spend,
      coalesce(sum(orders_last_touch) FILTER (WHERE day <= ${day}::date - 7), 0) AS prev_orders
    FROM agg_daily_acquisition
    WHERE company_id = ${companyId} AND day > ${day}::date - 14 AND day <= ${day}::date
    GROUP BY channel, campaign
    ORDER BY channel, campaign`);

  // section: funnel (the day vs the pooled baseline days before it)
  const funnel = await tx.any(sql.type(funnelRow)`
    SELECT step_index,
      coalesce(sum(sessions) FILTER (WHERE day = ${day}::date), 0) AS cur,
      coalesce(sum(sessions) FILTER (WHERE day < ${day}::date), 0) AS base
    FROM agg_daily_funnel
    WHERE company_id = ${companyId} AND day >= ${day}::date - ${baselineDays}::int AND day <= ${day}::date
    GROUP BY step_index`);
  const step = (i: number, pick: 'cur' | 'base') => funnel.find((r) => r.step_index === i)?.[pick] ?? 0;
  const channelFunnel = await tx.any(sql.type(channelFunnelRow)`
    SELECT channel,
      coalesce(sum(page_views) FILTER (WHERE day = ${day}::date), 0) AS cur_pv,
      coalesce(sum(add_to_cart_events) FILTER (WHERE day = ${day}::date), 0) AS cur_atc,
      coalesce(sum(begin_checkout_events) FILTER (WHERE day = ${day}::date), 0) AS cur_bc,
      coalesce(sum(purchase_events) FILTER (WHERE day = ${day}::date), 0) AS cur_p,
      coalesce(sum(page_views) FILTER (WHERE day < ${day}::date), 0) AS base_pv,
      coalesce(sum(add_to_cart_events) FILTER (WHERE day < ${day}::date), 0) AS base_atc,
      coalesce(sum(begin_checkout_events) FILTER (WHERE day < ${day}::date), 0) AS base_bc,
      coalesce(sum(purchase_events) FILTER (WHERE day < ${day}::date), 0) AS base_p
    FROM agg_daily_acquisition
    WHERE company_id = ${companyId} AND day >= ${day}::date - ${baselineDays}::int AND day <= ${day}::date
    GROUP BY channel
    ORDER BY channel`);

  // section: revenue on the same weekday (a day counts when the rollup ran for it: a traffic or revenue row)
  const weeks = thresholds.revenue.weeks;
  const revenue = await tx.any(sql.type(revenueRow)`
    WITH days AS (SELECT (${day}::date - 7 * g)::date AS day FROM generate_series(0, ${weeks}::int) g),
    rev AS (
      SELECT day, sum(coalesce(gross_reporting_minor, 0)) AS revenue, bool_or(fx_rate_missing) AS fx_missing
      FROM agg_daily_revenue WHERE company_id = ${companyId} AND day IN (SELECT day FROM days) GROUP BY day
    )
    SELECT d.day::text AS day, coalesce(rev.revenue, 0) AS revenue, coalesce(rev.fx_missing, false) AS fx_missing,
      (rev.day IS NOT NULL OR t.day IS NOT NULL) AS has_data
    FROM days d
    LEFT JOIN rev ON rev.day = d.day
    LEFT JOIN agg_daily_traffic t ON t.company_id = ${companyId} AND t.day = d.day
    ORDER BY d.day`);
  const history = revenue.filter((r) => r.day !== day && r.has_data);
  const current = revenue.find((r) => r.day === day);
  const channelRows = await tx.any(sql.type(channelRevenueRow)`
    SELECT channel, day::text AS day, sum(revenue_last_touch_minor) AS revenue
    FROM agg_daily_acquisition
    WHERE company_id = ${companyId} AND day = ANY(${sql.array([day, ...history.map((h) => h.day)], 'date')})
    GROUP BY channel, day`);
  const channels = [...new Set(channelRows.map((r) => r.channel))].sort();
  const channelRevenue = channels.map((channel) => {
    const on = (d: string) => channelRows.find((r) => r.channel === channel && r.day === d)?.revenue ?? 0;
    return { channel, currentMinor: on(day), sameWeekdayMinor: history.map((h) => on(h.day)) };
  });

  // section: email (trailing window)
  const windowDays = thresholds.email.windowDays;
  const email = await tx.any(sql.type(emailRow)`
    SELECT campaign_id, sum(delivered) AS delivered, sum(complained) AS complained, sum(unsubscribed) AS unsubscribed
    FROM agg_daily_messages
    WHERE company_id = ${companyId} AND channel = 'email' AND day > ${day}::date - ${windowDays}::int AND day <= ${day}::date
    GROUP BY campaign_id
    ORDER BY campaign_id`);

  // section: creatives
  const creatives = await tx.any(sql.type(creativeRow)`
    SELECT f.platform, f.creative_id, c.name, f.status, f.as_of::text AS as_of, f.fatigued_since::text AS fatigued_since, f.peak_ctr,
      f.peak_day::text AS peak_day, f.current_ctr, f.drop_share, f.cumulative_impressions,
      coalesce((SELECT sum(a.spend_reporting_minor) FROM agg_daily_creatives a
                WHERE a.company_id = f.company_id AND a.platform = f.platform AND a.creative_id = f.creative_id
                  AND a.day > ${day}::date - 7 AND a.day <= ${day}::date), 0) AS spend_last_7
    FROM creative_fatigue f
    LEFT JOIN creatives c ON c.company_id = f.company_id AND c.platform = f.platform AND c.creative_id = f.creative_id
    WHERE f.company_id = ${companyId} AND f.status = 'fatigued'
    ORDER BY f.platform, f.creative_id`);

  return {
    companyId,
    companyName: company.name,
    day,
    currency: company.reporting_currency,
    thresholds,
    acquisition: acquisition.map((r) => ({
      channel: r.channel, campaign: r.campaign,
      current: { spendMinor: r.cur_spend, orders: r.cur_orders }, previous: { spendMinor: r.prev_spend, orders: r.prev_orders },
    })),
    funnel: {
      current: counts(step(1, 'cur'), step(2, 'cur'), step(3, 'cur'), step(4, 'cur')),
      baseline: counts(step(1, 'base'), step(2, 'base'), step(3, 'base'), step(4, 'base')),
      baselineDays,
      baselineFrom: addDays(day, -baselineDays),
      baselineTo: addDays(day, -1),
    },
    channelFunnel: channelFunnel.map((r) => ({
      channel: r.channel, current: counts(r.cur_pv, r.cur_atc, r.cur_bc, r.cur_p), baseline: counts(r.base_pv, r.base_atc, r.base_bc, r.base_p),
    })),
    revenue: { currentMinor: current?.revenue ?? 0, fxRateMissing: current?.fx_missing ?? false, sameWeekday: history.map((h) => ({ day: h.day, revenueMinor: h.revenue })) },
    channelRevenue,
    email: {
      windowFrom: addDays(day, -(windowDays - 1)),
      windowTo: day,
      delivered: email.reduce((n, r) => n + r.delivered, 0),
      complained: email.reduce((n, r) => n + r.complained, 0),
      unsubscribed: email.reduce((n, r) => n + r.unsubscribed, 0),
      campaigns: email.map((r) => ({ campaignId: r.campaign_id, delivered: r.delivered, complained: r.complained, unsubscribed: r.unsubscribed })),
    },
    creatives: creatives.map((r) => ({
      platform: r.platform, creativeId: r.creative_id, name: r.name, status: r.status, asOf: r.as_of, fatiguedSince: r.fatigued_since, peakCtr: r.peak_ctr,
      peakDay: r.peak_day, currentCtr: r.current_ctr, dropShare: r.drop_share, cumulativeImpressions: r.cumulative_impressions, spendLast7Minor: r.spend_last_7,
    })),
  };
}

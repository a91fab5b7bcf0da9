// Alert thresholds: the defaults in one place, each with the reason for its value (docs/alerts.md repeats
// them in words), and the schema of a company's overrides (alert_settings.thresholds, partial: a company
// sets only what it changes). Money thresholds are in minor units of the company's reporting currency.
import { z } from 'zod';

export const DEFAULT_ALERT_THRESHOLDS = {
  cpa: {
    // The line: CPA up more than 20 % week over week is worth a look.
    maxIncrease: 0.2,
    // At 50 % the money is leaking fast: critical.
    criticalIncrease: 0.5,
    // Minimum-spend guard, in each of the two weeks (100.00 in the reporting currency): below it a single
    // order more or less swings CPA by tens of percent.
    minSpendMinor: 10_000,
    // The previous week needs some orders for its CPA to be a baseline at all.
    minPreviousOrders: 5,
  },
  funnel: {
    // A relative drop of 20 % in a step's conversion (e.g. 10 % → 8 % add-to-cart rate)...
    minDrop: 0.2,
    criticalDrop: 0.4,
    // ...that a two-proportion z-test says is not noise: |z| ≥ 2.58 (two-sided p < 1 %). Daily traffic is
    // tested every day, so a 5 % level would cry wolf about once a month per step.
    minZ: 2.58,
    // Sessions entering the step on the day; below this the test has no power anyway.
    minSessions: 100,
    // The baseline: the 28 days before the day, pooled (four of each weekday, so weekly patterns cancel).
    baselineDays: 28,
  },
  checkoutAbandonment: {
    // Abandonment (begin_checkout without purchase) is typically 60–80 %, so the spike is measured in
    // percentage points over the trailing baseline: +10 points is a broken checkout step or payment method.
    minIncreasePoints: 0.1,
    criticalIncreasePoints: 0.2,
    minZ: 2.58,
    minCheckouts: 30,
    // (the baseline days are funnel.baselineDays: both rules read the same funnel rows)
  },
  revenue: {
    // Same weekday over the last 8 weeks: weekly seasonality is the strongest pattern in shop revenue.
    weeks: 8,
    // Fewer than 4 comparable days is no baseline.
    minWeeks: 4,
    // Robust z = (x - median) / (1.4826 · MAD); 3.5 is the usual outlier cut for the modified z-score
    // (Iglewicz and Hoaglin), insensitive to the one Black Friday in the history.
    minRobustZ: 3.5,
    criticalRobustZ: 6,
    // And the move must matter: at least 25 % from the median.
    minChange: 0.25,
    // A median below 100.00 is too small to call anomalies on.
    minBaselineMinor: 10_000,
  },
  email: {
    // Trailing 7 days: complaints arrive over days after a send.
    windowDays: 7,
    // Mailbox providers compute rates over volume; below 1,000 delivered one complaint is 0.1 %.
    minDelivered: 1000,
    // Google's and Yahoo's sender guidelines: keep the spam complaint rate below 0.1 %, never reach 0.3 %.
    complaintRate: 0.001,
    criticalComplaintRate: 0.003,
    // Unsubscribes are a warning, not a deliverability emergency: above 0.5 % of delivered the list or
    // the frequency is wearing people out.
    unsubscribeRate: 0.005,
  },
  creativeFatigue: {
    // lib/creatives/fatigue.ts already holds its own guards (volume, z-test, confirmation days); this only
    // skips creatives that no longer spend (a paused creative's fatigue is not news): 1 = any spend in
    // the last 7 days; 0 alerts paused creatives too.
    minSpendLast7Minor: 1,
  },
  // The same rule and dimension is mailed at most once per 7 days (alert_settings.cooldown_days).
  cooldownDays: 7,
} as const;

type Widen<T> = { -readonly [K in keyof T]: T[K] extends number ? number : Widen<T[K]> };
export type AlertThresholds = Widen<typeof DEFAULT_ALERT_THRESHOLDS>;

const rate = z.number().min(0).max(10);
const count = z.number().int().min(0);
const days = z.number().int().min(1).max(365);

/** A company's overrides: every group and key optional, unknown keys rejected (a typo must not pass silently). */
export const alertThresholdOverridesSchema = z
  .object({
    cpa: z.object({ maxIncrease: rate, criticalIncrease: rate, minSpendMinor: count, minPreviousOrders: count }).partial().strict(),
    funnel: z.object({ minDrop: rate, criticalDrop: rate, minZ: rate, minSessions: count, baselineDays: days }).partial().strict(),
    checkoutAbandonment: z
      .object({ minIncreasePoints: rate, criticalIncreasePoints: rate, minZ: rate, minCheckouts: count })
      .partial()
      .strict(),
    revenue: z
      .object({ weeks: z.number().int().min(2).max(52), minWeeks: z.number().int().min(2).max(52), minRobustZ: rate, criticalRobustZ: rate, minChange: rate, minBaselineMinor: count })
      .partial()
      .strict(),
    email: z
      .object({ windowDays: days, minDelivered: count, complaintRate: rate, criticalComplaintRate: rate, unsubscribeRate: rate })
      .partial()
      .strict(),
    creativeFatigue: z.object({ minSpendLast7Minor: count }).partial().strict(),
    cooldownDays: z.number().int().min(0).max(90),
  })
  .partial()
  .strict();

export type AlertThresholdOverrides = z.infer<typeof alertThresholdOverridesSchema>;

/** The defaults with a company's overrides on top (validated; throws a ZodError naming the bad key). */
export function resolveThresholds(overrides: unknown, cooldownDays?: number): AlertThresholds {
  const o = alertThresholdOverridesSchema.parse(overrides ?? {});
  const d = DEFAULT_ALERT_THRESHOLDS;
  return {
    cpa: { ...d.cpa, ...o.cpa },
    funnel: { ...d.funnel, ...o.funnel },
    checkoutAbandonment: { ...d.checkoutAbandonment, ...o.checkoutAbandonment },
    revenue: { ...d.revenue, ...o.revenue },
    email: { ...d.email, ...o.email },
    creativeFatigue: { ...d.creativeFatigue, ...o.creativeFatigue },
    cooldownDays: cooldownDays ?? o.cooldownDays ?? d.cooldownDays,
  };
}

/** Sets a dotted key (`cpa.maxIncrease`) in an overrides object, validating the result. */
export function setThresholdOverride(overrides: unknown, key: string, value: number): AlertThresholdOverrides {
  const current = alertThresholdOverridesSchema.parse(overrides ?? {}) as Record<string, unknown>;
  const [group, name, ...rest] = key.split('.');
  if (!group || rest.length > 0) throw new Error(`unknown threshold ${JSON.stringify(key)}: expected group.name, e.g. cpa.maxIncrease`);
  const next: Record<string, unknown> = { ...current };
  if (name === undefined) next[group] = value;
  else next[group] = { ...((current[group]) ?? {}), [name]: value };
  return alertThresholdOverridesSchema.parse(next);
}

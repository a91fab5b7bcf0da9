// Explanations: deterministic text a marketer can act on, and HTML with every value escaped.
import { renderDigest, digestMessageId } from '../../../lib/alerts/digest';
import { dedupeKey, evaluateAlertRules } from '../../../lib/alerts/evaluate';
import { explainAlert } from '../../../lib/alerts/explain';
import { formatMoney, formatPercent } from '../../../lib/alerts/format';
import type { AlertCandidate } from '../../../lib/alerts/types';
import { DAY, quietInputs } from './inputs';

const cpa: AlertCandidate = {
  rule: 'cpa_increase', day: DAY, dimensionKind: 'channel', dimensionValue: 'Paid Search', severity: 'critical', unit: 'money_minor',
  current: 1750, baseline: 1000, change: 0.75,
  contributors: [{ kind: 'campaign', label: 'Generic <b>&', current: 3000, baseline: 1000, contribution: 750 }],
  details: { spendNowMinor: 140_000, ordersNow: 80, spendBeforeMinor: 100_000, ordersBefore: 100, threshold: 0.2 },
};

test('formats money and rates without a locale', () => {
  expect(formatMoney(123_456_789, 'EUR')).toBe('EUR 1,234,567.89');
  expect(formatMoney(1500, 'JPY')).toBe('JPY 1,500');
  expect(formatMoney(-250, 'USD')).toBe('-USD 2.50');
  expect(formatPercent(0.0015)).toBe('0.15%');
  expect(formatPercent(0.2346)).toBe('23.5%');
});

test('a CPA alert says what changed, by how much, against what, who drove it and what to do', () => {
  const e = explainAlert(cpa, 'EUR');
  expect(e.title).toBe('Cost per acquisition +75.0% on Paid Search');
  expect(e.text).toBe(
    [
      'In the 7 days to 2025-06-10, each order cost EUR 17.50 on Paid Search: EUR 1,400.00 spend for 80 orders. The 7 days before, it was EUR 10.00 (EUR 1,000.00 for 100 orders): +75.0%, above the 20.0% alert line.',
      'Biggest contributors:',
      '  - Campaign Generic <b>&: EUR 7.50 of the rise per order (its CPA EUR 10.00 → EUR 30.00)',
      'Suggested next step: Open campaign Generic <b>& first: check bids, budget changes, new audiences or creatives since last week, and whether its conversions are still tracked.',
    ].join('\n'),
  );
  expect(e.html).toContain('Campaign Generic &lt;b&gt;&amp;: EUR 7.50');
  expect(e.html).not.toContain('<b>&');
  expect(explainAlert(cpa, 'EUR')).toEqual(e); // deterministic
});

test('every rule has a template that produces its numbers', () => {
  const inputs = quietInputs({
    email: { windowFrom: '2025-06-04', windowTo: DAY, delivered: 10_000, complained: 40, unsubscribed: 80, campaigns: [{ campaignId: 'spring', delivered: 10_000, complained: 40, unsubscribed: 80 }] },
    revenue: { currentMinor: 40_000, fxRateMissing: true, sameWeekday: [1, 2, 3, 4, 5].map((i) => ({ day: `2025-05-0${i}`, revenueMinor: 100_000 + i * 1000 })) },
    creatives: [{ platform: 'meta', creativeId: 'cr-1', name: 'Summer', status: 'fatigued', asOf: DAY, fatiguedSince: '2025-06-08', peakCtr: 0.02, peakDay: '2025-05-20', currentCtr: 0.011, dropShare: 0.45, cumulativeImpressions: 250_000, spendLast7Minor: 35_000 }],
  });
  const alerts = evaluateAlertRules(inputs);
  expect(alerts.map((a) => a.rule)).toEqual(['email_complaint_rate', 'revenue_anomaly', 'email_unsubscribe_rate', 'creative_fatigue']); // critical first, then the bigger change
  const byRule = Object.fromEntries(alerts.map((a) => [a.rule, a]));
  expect(byRule.revenue_anomaly?.explanation).toContain('Revenue on 2025-06-10 was EUR 400.00, against a median of EUR 1,030.00 on the last 5 Tuesdays');
  expect(byRule.revenue_anomaly?.explanation).toContain('Some orders had no exchange rate');
  expect(byRule.email_complaint_rate?.explanation).toContain('40 spam complaints came from 10,000 delivered emails: 0.40%');
  expect(byRule.creative_fatigue?.explanation).toContain('click-through rate of 1.1%, against its peak of 2.0%');
  expect(byRule.creative_fatigue?.dedupeKey).toBe('creative_fatigue|creative|meta:cr-1|since:2025-06-08');
});

test('the dedupe key names rule, dimension and day', () => {
  expect(dedupeKey(cpa)).toBe('cpa_increase|channel|Paid Search|2025-06-10');
});

test('the digest lists alerts by severity, in text and HTML, with a deterministic Message-ID', () => {
  const mk = (severity: 'critical' | 'warning' | 'info', title: string, change: number) => ({ severity, change, dedupeKey: title, title, explanation: `${title} explained`, explanationHtml: `<p>${title} explained</p>` });
  const digest = renderDigest({ companyName: 'Shop & Co', day: DAY, alerts: [mk('info', 'Spike', 0.5), mk('warning', 'Small', 0.3), mk('critical', 'Big', 0.9), mk('warning', 'Larger', 0.6)] });
  expect(digest.subject).toBe('[LUX] 4 alerts for Shop & Co on 2025-06-10 (1 critical, 2 warning, 1 info)');
  const order = ['[CRITICAL] Big', '[WARNING] Larger', '[WARNING] Small', '[INFO] Spike'].map((t) => digest.text.indexOf(t));
  expect(order.every((i, k) => i >= 0 && (k === 0 || i > (order[k - 1] as number)))).toBe(true);
  expect(digest.html).toContain('Shop &amp; Co');
  expect(digestMessageId('c1', 'alerts:c1:2025-06-10:run', 'alerts@lux.example')).toBe(digestMessageId('c1', 'alerts:c1:2025-06-10:run', 'alerts@lux.example'));
  expect(digestMessageId('c1', 'e1', 'alerts@lux.example')).toMatch(/^<alerts\.c1\.[0-9a-f]{16}@lux\.example>$/);
  expect(digestMessageId('c1', 'e1', 'a@x')).not.toBe(digestMessageId('c1', 'e2', 'a@x'));
});

// Explanations a marketer understands without a dashboard: what changed, by how much, against which
// baseline, what drove it, and what to do next. Template per rule, deterministic (no clock, no locale),
// rendered as plain text and as HTML (every interpolated value escaped) from the same parts.
import { escapeHtml, formatChange, formatCount, formatMoney, formatPercent, formatPoints } from './format';
import type { AlertCandidate, Contributor } from './types';

export type ExplanationParts = { title: string; summary: string; contributors: string[]; nextStep: string };
export type Explanation = ExplanationParts & { text: string; html: string };

const str = (v: string | number | boolean | null | undefined): string => (v === null || v === undefined ? '' : String(v));
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));

function parts(a: AlertCandidate, currency: string): ExplanationParts {
  const money = (minor: number) => formatMoney(Math.round(minor), currency);
  const d = a.details;
  switch (a.rule) {
    case 'cpa_increase': {
      const where = a.dimensionKind === 'overall' ? 'across all channels (blended: all ad spend over all orders)' : `on ${a.dimensionValue}`;
      return {
        title: `Cost per acquisition ${formatChange(a.change)} ${a.dimensionKind === 'overall' ? 'overall' : `on ${a.dimensionValue}`}`,
        summary:
          `In the 7 days to ${a.day}, each order cost ${money(a.current)} ${where}: ${money(num(d.spendNowMinor))} spend for ${formatCount(num(d.ordersNow))} orders. ` +
          `The 7 days before, it was ${money(a.baseline)} (${money(num(d.spendBeforeMinor))} for ${formatCount(num(d.ordersBefore))} orders): ${formatChange(a.change)}, above the ${formatPercent(num(d.threshold))} alert line.`,
        contributors: a.contributors.map((c) => `Campaign ${c.label}: ${money(c.contribution)} of the rise per order${c.current === null ? ' (spend without orders this week)' : ` (its CPA ${c.baseline === null ? 'was not measurable' : money(c.baseline)} → ${money(c.current)})`}`),
        nextStep: a.contributors[0]
          ? `Open campaign ${a.contributors[0].label} first: check bids, budget changes, new audiences or creatives since last week, and whether its conversions are still tracked.`
          : 'Check for bid or budget changes and whether conversions are still being tracked.',
      };
    }
    case 'funnel_step_drop': {
      const from = str(d.fromStep) === 'pageViews' ? 'viewing a page' : 'adding to cart';
      return {
        title: `Fewer sessions reach ${a.dimensionValue.replace(/_/g, ' ')}: ${formatChange(a.change)}`,
        summary:
          `On ${a.day}, ${formatPercent(a.current)} of sessions went on from ${from} to ${a.dimensionValue.replace(/_/g, ' ')} ` +
          `(${formatCount(num(d.sessionsConverted))} of ${formatCount(num(d.sessionsIn))}), against ${formatPercent(a.baseline)} over the ${formatCount(num(d.baselineDays))} days before ` +
          `(${str(d.baselineFrom)} to ${str(d.baselineTo)}, ${formatCount(num(d.baselineSessionsConverted))} of ${formatCount(num(d.baselineSessionsIn))}): ${formatChange(a.change)}. ` +
          `A two-proportion test puts this well outside day-to-day noise (z = ${str(d.z)}).`,
        contributors: a.contributors.map((c) => channelRateLine(c, 'conversions lost')),
        nextStep:
          a.dimensionValue === 'add_to_cart'
            ? 'Check product pages on the channels above: prices, stock, page speed and the add-to-cart button (a release or tag change since yesterday?).'
            : 'Walk through cart to checkout yourself: shipping costs, coupon errors, login walls, and the begin_checkout tracking tag.',
      };
    }
    case 'checkout_abandonment_spike':
      return {
        title: `Checkout abandonment up ${formatPoints(num(d.increasePoints))}`,
        summary:
          `On ${a.day}, ${formatPercent(a.current)} of checkouts ended without a purchase (${formatCount(num(d.abandoned))} of ${formatCount(num(d.checkouts))}), ` +
          `against ${formatPercent(a.baseline)} over the ${formatCount(num(d.baselineDays))} days before (${str(d.baselineFrom)} to ${str(d.baselineTo)}): ` +
          `${formatPoints(num(d.increasePoints))} more (z = ${str(d.z)}).`,
        contributors: a.contributors.map((c) => channelRateLine(c, 'extra abandoned checkouts')),
        nextStep: 'Place a test order: payment methods, the payment provider’s status page, shipping options and checkout errors in the logs.',
      };
    case 'revenue_anomaly': {
      const drop = d.direction === 'drop';
      return {
        title: `Revenue ${drop ? 'drop' : 'spike'}: ${formatChange(a.change)} vs a typical ${weekday(a.day)}`,
        summary:
          `Revenue on ${a.day} was ${money(a.current)}, against a median of ${money(a.baseline)} on the last ${formatCount(num(d.weeks))} ${weekday(a.day)}s ` +
          `(${str(d.firstBaselineDay)} to ${str(d.lastBaselineDay)}): ${formatChange(a.change)}, ${str(d.robustZ)} robust standard deviations from normal.` +
          (d.fxRateMissing === true ? ' Some orders had no exchange rate and are not in the total.' : ''),
        contributors: a.contributors.map((c) => `${c.label}: ${money(c.current ?? 0)} vs a typical ${money(c.baseline ?? 0)} (${c.contribution >= 0 ? '+' : ''}${money(c.contribution)})`),
        nextStep: drop
          ? `Check that ${a.contributors[0] ? `${a.contributors[0].label} is running and ` : ''}orders are still being recorded (store webhooks, imports, checkout), then campaigns paused or out of budget.`
          : 'Good news if real: find the campaign or product behind it; if not, look for double-counted orders or test orders.',
      };
    }
    case 'email_complaint_rate':
    case 'email_unsubscribe_rate': {
      const complaint = a.rule === 'email_complaint_rate';
      const what = complaint ? 'spam complaints' : 'unsubscribes';
      return {
        title: complaint ? `Email spam complaint rate ${formatPercent(a.current)} (limit ${formatPercent(a.baseline)})` : `Email unsubscribe rate ${formatPercent(a.current)} (warning level ${formatPercent(a.baseline)})`,
        summary:
          `In the ${formatCount(num(d.windowDays))} days ${str(d.windowFrom)} to ${str(d.windowTo)}, ${formatCount(num(d.count))} ${what} came from ${formatCount(num(d.delivered))} delivered emails: ` +
          `${formatPercent(a.current)}, ${complaint ? `above the ${formatPercent(a.baseline)} mailbox providers ask senders to stay under (Gmail and Yahoo start filtering well before 0.3%)` : `above the ${formatPercent(a.baseline)} warning level`}.`,
        contributors: a.contributors.map((c) => `Campaign ${c.label}: ${formatCount(c.contribution)} ${what}${c.current === null ? '' : ` (${formatPercent(c.current)} of its delivered)`}`),
        nextStep: complaint
          ? `Pause or narrow ${a.contributors[0] ? `campaign ${a.contributors[0].label}` : 'the campaigns above'}: send only to recently engaged subscribers, make unsubscribing one click, and check the list source.`
          : 'Review send frequency and targeting of the campaigns above; consider a preference centre instead of all-or-nothing sends.',
      };
    }
    case 'creative_fatigue': {
      const name = str(d.name) || str(d.creativeId);
      return {
        title: `Creative fatigue: ${name} (${str(d.platform)}) CTR ${formatChange(a.change)} from its peak`,
        summary:
          `Creative ${name} on ${str(d.platform)} now gets a click-through rate of ${formatPercent(a.current)}, against its peak of ${formatPercent(a.baseline)} ` +
          `(${str(d.peakDay)}): ${formatChange(a.change)} after ${formatCount(num(d.cumulativeImpressions))} impressions. Fatigued since ${str(d.fatiguedSince)}, ` +
          `and it still spent ${money(num(d.spendLast7Minor))} in the last 7 days.`,
        contributors: [],
        nextStep: 'Rotate in a fresh creative for the same concept, or widen the audience; pause this one if its cost per order has risen too.',
      };
    }
  }
}

function channelRateLine(c: Contributor, unit: string): string {
  return `${c.label}: ${c.baseline === null ? '-' : formatPercent(c.baseline)} → ${c.current === null ? '-' : formatPercent(c.current)} (about ${formatCount(c.contribution)} ${unit})`;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
function weekday(day: string): string {
  return WEEKDAYS[new Date(`${day}T12:00:00Z`).getUTCDay()] as string;
}

export function explainAlert(alert: AlertCandidate, currency: string): Explanation {
  const p = parts(alert, currency);
  const text = [
    p.summary,
    ...(p.contributors.length > 0 ? ['Biggest contributors:', ...p.contributors.map((c) => `  - ${c}`)] : []),
    `Suggested next step: ${p.nextStep}`,
  ].join('\n');
  const html = [
    `<p>${escapeHtml(p.summary)}</p>`,
    ...(p.contributors.length > 0 ? [`<p>Biggest contributors:</p>`, `<ul>${p.contributors.map((c) => `<li>${escapeHtml(c)}</li>`).join('')}</ul>`] : []),
    `<p><strong>Suggested next step:</strong> ${escapeHtml(p.nextStep)}</p>`,
  ].join('\n');
  return { ...p, text, html };
}

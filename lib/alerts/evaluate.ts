// Runs every rule on one company-day and gives each candidate its dedupe key and explanation. Pure and
// deterministic: evaluateAlertsWorkflow calls it between loading inputs and recording alerts, so the
// candidates are visible in the workflow's history.
import { explainAlert } from './explain';
import { ALERT_RULES } from './rules';
import { SEVERITY_ORDER, type Alert, type AlertCandidate, type AlertInputs } from './types';

/** `rule|dimension kind|dimension value|day` (or the rule's episode suffix instead of the day). */
export function dedupeKey(c: AlertCandidate): string {
  return [c.rule, c.dimensionKind, c.dimensionValue, c.dedupeSuffix ?? c.day].join('|');
}

/** Severity first (critical, warning, info), then the biggest relative change, then the key (a total order). */
export function compareAlerts(a: Pick<Alert, 'severity' | 'change' | 'dedupeKey'>, b: Pick<Alert, 'severity' | 'change' | 'dedupeKey'>): number {
  return (
    SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
    Math.abs(b.change) - Math.abs(a.change) ||
    (a.dedupeKey < b.dedupeKey ? -1 : a.dedupeKey > b.dedupeKey ? 1 : 0)
  );
}

export function evaluateAlertRules(inputs: AlertInputs): Alert[] {
  const candidates = ALERT_RULES.flatMap((rule) => rule(inputs));
  return candidates
    .map((c) => {
      const e = explainAlert(c, inputs.currency);
      return { ...c, dedupeKey: dedupeKey(c), title: e.title, explanation: e.text, explanationHtml: e.html };
    })
    .sort(compareAlerts);
}

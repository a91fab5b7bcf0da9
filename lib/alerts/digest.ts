// One email per company per evaluation: the open alerts of the day, ordered by severity, as plain text and
// HTML. The Message-ID is derived from the company and the evaluation, so every (re)send of the same digest
// carries the same id: receivers and our alert_deliveries row can tell a repeat from a new message.
import { escapeHtml } from './format';
import type { Severity } from './types';
import { compareAlerts } from './evaluate';

export type DigestAlert = { severity: Severity; change: number; dedupeKey: string; title: string; explanation: string; explanationHtml: string };
export type DigestContent = { subject: string; text: string; html: string };

/** FNV-1a 64-bit, hex: a short stable id without node:crypto (this file is pure). */
function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

export function digestMessageId(companyId: string, evaluationId: string, fromEmail: string): string {
  const domain = fromEmail.split('@')[1] ?? 'lux.localhost';
  return `<alerts.${companyId}.${fnv1a64(`${companyId}|${evaluationId}`)}@${domain}>`;
}

const LABEL: Record<Severity, string> = { critical: 'CRITICAL', warning: 'WARNING', info: 'INFO' };

export function renderDigest(input: { companyName: string; day: string; alerts: DigestAlert[] }): DigestContent {
  const alerts = [...input.alerts].sort(compareAlerts);
  const counts = (['critical', 'warning', 'info'] as const).map((s) => [s, alerts.filter((a) => a.severity === s).length] as const).filter(([, n]) => n > 0);
  const countText = counts.map(([s, n]) => `${n} ${s}`).join(', ');
  const subject = `[LUX] ${alerts.length} alert${alerts.length === 1 ? '' : 's'} for ${input.companyName} on ${input.day} (${countText})`;
  const text = [
    `LUX alerts for ${input.companyName}, ${input.day}: ${countText}.`,
    '',
    ...alerts.flatMap((a, i) => [`${i + 1}. [${LABEL[a.severity]}] ${a.title}`, a.explanation, '']),
    'Thresholds and recipients: npm run lux -- alerts thresholds|recipients --company <id> (docs/alerts.md).',
  ].join('\n');
  const color: Record<Severity, string> = { critical: '#b00020', warning: '#b26a00', info: '#1a5fb4' };
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif;max-width:720px">',
    `<h2>LUX alerts for ${escapeHtml(input.companyName)}, ${escapeHtml(input.day)}</h2>`,
    `<p>${escapeHtml(countText)}</p>`,
    ...alerts.map(
      (a) =>
        `<div class="alert alert-${a.severity}" style="border-left:4px solid ${color[a.severity]};padding-left:12px;margin-bottom:20px">` +
        `<h3><span style="color:${color[a.severity]}">${LABEL[a.severity]}</span> ${escapeHtml(a.title)}</h3>\n${a.explanationHtml}</div>`,
    ),
    '<p style="color:#666;font-size:small">Thresholds and recipients: <code>npm run lux -- alerts thresholds|recipients --company &lt;id&gt;</code> (docs/alerts.md).</p>',
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}

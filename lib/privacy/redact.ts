// A last line of defence for vendor rows we keep for diagnosis (rejected_rows): whatever the vendor, values
// under keys that name personal data are blanked and email-like text is scrubbed everywhere, so a row
// that failed normalisation does not smuggle an email, phone or address into our tables in clear.
import { scrubEmails } from '../enrichment/privacy';

/** Key names (any case, any separator) whose values are personal data. */
const PERSONAL_KEY = /(e[-_]?mail|phone|first[-_]?name|last[-_]?name|full[-_]?name|^name$|address|street|postcode|zip|city|^ip$|ip[-_]?address|browser[-_]?ip|client[-_]?ip|customer[-_]?ip|user[-_]?agent|birth|ssn|tax[-_]?id)/i;

export const REDACTED = '[redacted]';

const MAX_DEPTH = 20;

export function redactPersonalData(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) return REDACTED;
  if (typeof value === 'string') return scrubEmails(value);
  if (Array.isArray(value)) return value.map((v) => redactPersonalData(v, depth + 1));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      // A personal key loses its whole value (an address object too); empty values stay empty.
      const personal = PERSONAL_KEY.test(key) && v !== null && v !== '';
      out[key] = personal ? REDACTED : redactPersonalData(v, depth + 1);
    }
    return out;
  }
  return value;
}

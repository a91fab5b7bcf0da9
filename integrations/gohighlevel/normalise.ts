// GoHighLevel contact and opportunity webhooks → Lead records. Pure mapping: the email is hashed, an
// opportunity's value is converted exactly only when the location's currency is known, and a payload we
// cannot read becomes a rejected row with the field named. docs/integrations/gohighlevel.md has the tables.
import { z } from 'zod';
import { decimalToMinorUnits } from '../../lib/commerce/money';
import { leadSchema, type Lead, type NormaliseResult, type TrackingLink } from '../../lib/commerce/records';
import { hashEmail, scrubEmails } from '../../lib/enrichment/privacy';
import { describeIssues } from '../../lib/zod-issues';

/** Keys a form or workflow can fill from the storefront snippet to link a lead to its visits. */
export const GOHIGHLEVEL_TRACKING_KEYS = { visitorId: 'lux_visitor_id', sessionId: 'lux_session_id', userId: 'lux_user_id' } as const;

export const OPPORTUNITY_STATUSES = ['open', 'won', 'lost', 'abandoned'] as const;

export type GoHighLevelNormaliseOptions = {
  /** The location's currency (credentials.currency); without it opportunity values stay unknown. */
  currency?: string | null;
};

const isoTime = z.string().datetime({ offset: true, message: 'expected an ISO 8601 time with an offset' });
const optionalTime = isoTime.nullable().optional();
const bag = z.record(z.unknown()).nullable().optional();

/** Fields shared by contact and opportunity payloads, plus the envelope's timestamp. */
const commonSchema = z.object({
  id: z.string().trim().min(1, 'expected the record id').max(200),
  email: z.string().nullable().optional(),
  dateAdded: optionalTime,
  dateUpdated: optionalTime,
  timestamp: optionalTime,
  customData: bag,
  attributionSource: bag,
});

const contactSchema = commonSchema;

const opportunitySchema = commonSchema.extend({
  status: z
    .string()
    .transform((s) => s.trim().toLowerCase())
    .pipe(z.enum(OPPORTUNITY_STATUSES, { message: `expected one of ${OPPORTUNITY_STATUSES.join(', ')}` }))
    .nullable()
    .optional(),
  /** In the location's currency units (1000.5 = 1,000.50); a JSON number. */
  monetaryValue: z.number().nonnegative().nullable().optional(),
  pipelineStageId: z.string().max(200).nullable().optional(),
});

export function normaliseGoHighLevelWebhook(topic: string, payload: unknown, options: GoHighLevelNormaliseOptions = {}): NormaliseResult {
  if (!isObject(payload)) return reject(payload, `gohighlevel ${topic}: expected a JSON object`);
  const kind = leadKindOf(topic);
  if (kind === null) return reject(payload, `gohighlevel: event type ${JSON.stringify(topic)} is not handled (only Contact* and Opportunity*)`);
  // A deletion carries no lead to record; the verified delivery is still stored raw, which keeps the trail.
  if (topic.endsWith('Delete')) return { ok: true, records: [] };

  const fields = goHighLevelRecordFields(payload);
  try {
    const lead = kind === 'contact' ? contactLead(fields) : opportunityLead(fields, options);
    if (!lead.ok) return reject(payload, `gohighlevel ${topic}: ${lead.reason}`);
    const checked = leadSchema.safeParse(lead.lead);
    if (!checked.success) return reject(payload, `gohighlevel ${topic}: ${describeIssues(checked.error, 'lead').join('; ')}`);
    return { ok: true, records: [{ kind: 'lead', lead: checked.data }] };
  } catch (error) {
    return reject(payload, `gohighlevel ${topic}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Contact* → contact, Opportunity* → opportunity, anything else → null. */
export function leadKindOf(topic: string): Lead['kind'] | null {
  if (/^Contact[A-Za-z]*$/.test(topic)) return 'contact';
  if (/^Opportunity[A-Za-z]*$/.test(topic)) return 'opportunity';
  return null;
}

/**
 * The object holding the record's own fields. GHL's per-event reference shows them at the top level
 * next to `type`; its integration guide's example nests them under `data`. Both are read, the envelope
 * (timestamp, webhookId, locationId) staying at the top either way.
 */
export function goHighLevelRecordFields(body: Record<string, unknown>): Record<string, unknown> {
  if (body.id !== undefined || !isObject(body.data)) return body;
  return { ...body.data, timestamp: body.timestamp ?? body.data.timestamp };
}

type Built = { ok: true; lead: Lead } | { ok: false; reason: string };

function contactLead(fields: Record<string, unknown>): Built {
  const parsed = contactSchema.safeParse(fields);
  if (!parsed.success) return { ok: false, reason: describeIssues(parsed.error, 'contact').join('; ') };
  const contact = parsed.data;
  const createdAt = contact.dateAdded ?? contact.timestamp;
  if (!createdAt) return { ok: false, reason: 'dateAdded: missing (and no timestamp to fall back on)' };
  return {
    ok: true,
    lead: {
      source: 'gohighlevel',
      kind: 'contact',
      externalId: contact.id,
      emailHash: hashEmail(contact.email) ?? null,
      status: null,
      valueMinor: null,
      currency: null,
      pipelineStage: null,
      createdAt,
      sourceUpdatedAt: contact.dateUpdated ?? contact.timestamp ?? null,
      tracking: trackingOf(contact.customData, contact.attributionSource),
    },
  };
}

function opportunityLead(fields: Record<string, unknown>, options: GoHighLevelNormaliseOptions): Built {
  const parsed = opportunitySchema.safeParse(fields);
  if (!parsed.success) return { ok: false, reason: describeIssues(parsed.error, 'opportunity').join('; ') };
  const opportunity = parsed.data;
  const createdAt = opportunity.dateAdded ?? opportunity.timestamp;
  if (!createdAt) return { ok: false, reason: 'dateAdded: missing (and no timestamp to fall back on)' };
  const value = opportunityValue(opportunity.monetaryValue ?? null, options.currency ?? null);
  if (!value.ok) return value;
  return {
    ok: true,
    lead: {
      source: 'gohighlevel',
      kind: 'opportunity',
      externalId: opportunity.id,
      emailHash: hashEmail(opportunity.email) ?? null,
      status: opportunity.status ?? null,
      valueMinor: value.valueMinor,
      currency: value.currency,
      pipelineStage: opportunity.pipelineStageId ?? null,
      createdAt,
      sourceUpdatedAt: opportunity.dateUpdated ?? opportunity.timestamp ?? null,
      tracking: trackingOf(opportunity.customData, opportunity.attributionSource),
    },
  };
}

/**
 * GHL sends the value as a number in the location's currency and never says which currency that is.
 * Without a configured currency both stay null: a guessed currency would put the value into the wrong
 * revenue column, an unknown one is visibly unknown.
 */
function opportunityValue(monetaryValue: number | null, currency: string | null): { ok: true; valueMinor: number | null; currency: string | null } | { ok: false; reason: string } {
  if (monetaryValue === null || currency === null) return { ok: true, valueMinor: null, currency: null };
  const code = currency.toUpperCase();
  try {
    return { ok: true, valueMinor: decimalToMinorUnits(monetaryValue, code), currency: code };
  } catch (error) {
    return { ok: false, reason: `monetaryValue: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/**
 * The first of customData / attributionSource that carries a lux_visitor_id gives the whole link; a
 * session or user id without a visitor id is not enough to join on, so it is ignored.
 */
function trackingOf(...sources: Array<Record<string, unknown> | null | undefined>): TrackingLink {
  for (const source of sources) {
    const visitorId = trackingValue(source?.[GOHIGHLEVEL_TRACKING_KEYS.visitorId]);
    if (source && visitorId !== null) {
      return {
        visitorId,
        sessionId: trackingValue(source[GOHIGHLEVEL_TRACKING_KEYS.sessionId]),
        userId: trackingValue(source[GOHIGHLEVEL_TRACKING_KEYS.userId]),
      };
    }
  }
  return { visitorId: null, sessionId: null, userId: null };
}

/** Form fields are free text: only a short non-empty string counts. */
function trackingValue(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed.length > 0 && trimmed.length <= 200 ? trimmed : null;
}

function reject(raw: unknown, reason: string): NormaliseResult {
  const fields = isObject(raw) ? goHighLevelRecordFields(raw) : null;
  const id = fields && typeof fields.id === 'string' && fields.id.trim() !== '' ? fields.id.slice(0, 200) : null;
  return { ok: false, rejected: { externalId: id, reason, raw: redactEmails(raw) } };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const MAX_REDACT_DEPTH = 32;

/** Rejected rows are kept for people to read: no email in clear there either (privacy scrubEmails). */
function redactEmails(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubEmails(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_REDACT_DEPTH) return '[truncated]';
  if (Array.isArray(value)) return value.map((item) => redactEmails(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [scrubEmails(key), redactEmails(item, depth + 1)]));
}

// The collector's payload contract (docs/collector.md). Parsed with zod at the trust boundary; every
// limit here is also a clear error message for the sender.
import { z } from 'zod';
import { fieldErrors, type FieldError } from '../zod-issues';

export const LIMITS = {
  singleBodyBytes: 64 * 1024,
  batchBodyBytes: 1024 * 1024,
  batchEvents: 500,
  propertiesBytes: 8 * 1024,
  urlLength: 2048,
} as const;

const id = (max: number) =>
  z.string().min(1).max(max).regex(/^[A-Za-z0-9_.:@|-]+$/, 'may contain only letters, digits and _ . : @ | -');

const timestamp = z.union([
  z.string().datetime({ offset: true, message: 'expected an ISO 8601 timestamp with time zone' }),
  z.number().int().positive(),
]);

/**
 * A JSON object, kept as the very object JSON.parse made: z.record would copy it key by key with
 * assignment, and assigning a "__proto__" key sets the copy's prototype instead, silently losing the
 * key (found by test/integration/fuzz-collector.test.ts). Own "__proto__"/"constructor" keys are data.
 */
const properties = z
  .custom<Record<string, unknown>>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), { message: 'expected an object' })
  .refine((value) => Buffer.byteLength(JSON.stringify(value), 'utf8') <= LIMITS.propertiesBytes, {
    message: `must serialise to at most ${LIMITS.propertiesBytes} bytes of JSON`,
  });

export const eventSchema = z
  .object({
    event_id: z.string().uuid('expected a UUID (generate one per event; retries reuse it)'),
    event_name: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[A-Za-z0-9_.:\- ]+$/, 'may contain only letters, digits, spaces and _ . : -'),
    occurred_at: timestamp.optional(),
    visitor_id: id(64).optional(),
    session_id: id(64).optional(),
    user_id: z.string().min(1).max(128).optional(),
    page_url: z.string().max(LIMITS.urlLength).optional(),
    referrer: z.string().max(LIMITS.urlLength).optional(),
    properties: properties.optional(),
    consent: z.object({ analytics: z.boolean().optional(), marketing: z.boolean().optional() }).strict().optional(),
    gpc: z.boolean().optional(),
    /** identify/signup/login: hashed at ingest, never stored or logged raw. */
    email: z.string().max(254).optional(),
    creative_id: z.string().min(1).max(128).optional(),
    concept_angle: z.string().min(1).max(100).optional(),
  })
  .strict();
export type IncomingEvent = z.infer<typeof eventSchema>;

/** Envelope fields around events: the site key may come in the body or the X-Lux-Site-Key header. */
export const singleEnvelopeSchema = z.object({ site_key: z.string().max(100).optional() }).passthrough();
export const batchEnvelopeSchema = z
  .object({
    site_key: z.string().max(100).optional(),
    events: z.array(z.unknown()).min(1, 'must contain at least one event').max(LIMITS.batchEvents, `at most ${LIMITS.batchEvents} events per batch`),
  })
  .strict();

export type { FieldError } from '../zod-issues';

/** Errors of an HTTP body, for 422 answers; the whole body is called '(body)'. */
export const bodyFieldErrors = (error: z.ZodError): FieldError[] => fieldErrors(error, { root: '(body)' });

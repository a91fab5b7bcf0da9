// Shapes of the standard commerce and lead events' properties. Revenue must be right before anything is
// attributed to it, so a purchase without order_id, value and currency is rejected (422), not guessed.
// Money is integer minor units (1999 = 19.99) with an ISO 4217 currency, as everywhere in LUX.
// Custom event names stay free-form; unknown extra properties are kept.
import { z } from 'zod';
import { fieldErrors } from '../zod-issues';

const minorUnits = z
  .number({ required_error: 'is required: the amount in minor units, e.g. 1999 for 19.99', invalid_type_error: 'expected a number of minor units' })
  .int('expected an integer amount in minor units (cents), e.g. 1999 for 19.99')
  .min(0, 'must not be negative')
  .max(1e13, 'is implausibly large');
const currency = z
  .string({ required_error: 'is required: an ISO 4217 code such as EUR' })
  .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code in capitals, such as EUR');
const text = (max: number) => z.string().trim().min(1).max(max);

const item = z
  .object({ product_id: text(100), quantity: z.number().int().positive().default(1), price: minorUnits.optional() })
  .passthrough();

/** An amount is meaningless without its currency, and the reverse. */
const moneyPair = <T extends z.ZodRawShape>(shape: T) =>
  z
    .object({ ...shape, value: minorUnits.optional(), currency: currency.optional() })
    .passthrough()
    .superRefine((p, ctx) => {
      if (p.value !== undefined && p.currency === undefined) ctx.addIssue({ code: 'custom', path: ['currency'], message: 'is required when value is given' });
      if (p.currency !== undefined && p.value === undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: 'is required when currency is given' });
    });

export const STANDARD_EVENT_SCHEMAS = {
  page_view: z.object({}).passthrough(),
  add_to_cart: moneyPair({ product_id: text(100).optional(), quantity: z.number().int().positive().optional(), items: z.array(item).max(200).optional() }),
  begin_checkout: moneyPair({ checkout_id: text(100).optional(), items: z.array(item).max(200).optional() }),
  purchase: z
    .object({
      order_id: z.union([text(100), z.number().int().nonnegative().transform(String)], { required_error: 'is required: the order id or number the store uses' }),
      value: minorUnits,
      currency,
      items: z.array(item).max(500).optional(),
      coupon: text(100).optional(),
      shipping: minorUnits.optional(),
      tax: minorUnits.optional(),
    })
    .passthrough(),
  lead_submit: z.object({ form_id: text(100).optional(), lead_id: text(100).optional() }).passthrough(),
  signup: z.object({ method: text(50).optional() }).passthrough(),
  login: z.object({ method: text(50).optional() }).passthrough(),
} as const;

export type StandardEventName = keyof typeof STANDARD_EVENT_SCHEMAS;

export function isStandardEvent(name: string): name is StandardEventName {
  return Object.prototype.hasOwnProperty.call(STANDARD_EVENT_SCHEMAS, name);
}

export type PropertiesCheck = { ok: true; properties: Record<string, unknown> } | { ok: false; errors: Array<{ path: string; message: string }> };

/** Validates (and normalises, e.g. a numeric order_id to text) the properties of a standard event. */
export function checkStandardProperties(eventName: string, properties: Record<string, unknown> | undefined): PropertiesCheck {
  if (!isStandardEvent(eventName)) return { ok: true, properties: properties ?? {} };
  const parsed = STANDARD_EVENT_SCHEMAS[eventName].safeParse(properties ?? {});
  // zod copies passthrough keys by assignment, which drops an own "__proto__" key (it sets the copy's
  // prototype instead): start from the sender's own keys (spread defines them as data) and lay the
  // validated, normalised fields over them.
  if (parsed.success) return { ok: true, properties: { ...properties, ...parsed.data } };
  return { ok: false, errors: fieldErrors(parsed.error, { prefix: ['properties'] }) };
}

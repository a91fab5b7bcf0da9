// GoHighLevel webhook deliveries: prove they were signed by GHL (Ed25519, x-ghl-signature), keep the
// contact and opportunity events, and key each event so a redelivery is stored once.
// ../shared/REFERENCE.md "Webhook authenticity" is the source of these rules.
import { createHash, verify, type KeyObject } from 'node:crypto';
import type { VerifiedWebhook, WebhookHeaders } from '../contracts';
import { parseGoHighLevelPublicKey } from './credentials';
import { goHighLevelRecordFields, isObject, leadKindOf } from './normalise';

/**
 * Which bytes the signature was found to cover; logged by the collector so the open question below
 * can be settled from production traffic.
 */
export type GoHighLevelSignedOver = 'raw-body' | 'json-stringify';

/** A WebhookVerification (integrations/contracts.ts) that also says which bytes were signed. */
export type GoHighLevelWebhookVerification =
  | { ok: true; webhook: VerifiedWebhook; signedOver: GoHighLevelSignedOver }
  | { ok: false; reason: string };

export type GoHighLevelVerifyOptions = {
  /** Refuse deliveries for any other location (credentials.locationId; see why there). */
  locationId?: string | null;
};

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const ED25519_SIGNATURE_BYTES = 64;

export function verifyGoHighLevelWebhook(
  rawBody: Buffer,
  headers: WebhookHeaders,
  publicKeyPem: string,
  options: GoHighLevelVerifyOptions = {},
): GoHighLevelWebhookVerification {
  const signature = headerValue(headers, 'x-ghl-signature');
  if (signature === null) {
    // The RSA x-wh-signature is being retired by GHL (2026-07-01): accepting it would keep a second,
    // weaker path alive that nobody tests once GHL stops sending it.
    if (headerValue(headers, 'x-wh-signature') !== null) {
      return { ok: false, reason: 'gohighlevel: legacy x-wh-signature is not accepted; enable x-ghl-signature' };
    }
    return { ok: false, reason: 'gohighlevel: missing x-ghl-signature header' };
  }
  let key: KeyObject;
  try {
    key = parseGoHighLevelPublicKey(publicKeyPem);
  } catch (error) {
    return { ok: false, reason: `gohighlevel: the configured public key cannot be used: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!BASE64.test(signature)) return { ok: false, reason: 'gohighlevel: x-ghl-signature is not base64' };
  const signatureBytes = Buffer.from(signature, 'base64');
  if (signatureBytes.length !== ED25519_SIGNATURE_BYTES) {
    return { ok: false, reason: `gohighlevel: x-ghl-signature is ${signatureBytes.length} bytes, an Ed25519 signature is ${ED25519_SIGNATURE_BYTES}` };
  }

  const body = parseJson(rawBody);
  const signedOver = signedBytes(rawBody, body, key, signatureBytes);
  if (signedOver === null) {
    return { ok: false, reason: 'gohighlevel: x-ghl-signature does not match the body (checked the raw bytes and JSON.stringify of the parsed body)' };
  }

  // Only now, with the sender proven, is anything in the body worth reading.
  if (body === undefined || !isObject(body)) return { ok: false, reason: 'gohighlevel: body is not a JSON object' };
  const type = body.type;
  if (typeof type !== 'string' || type === '') return { ok: false, reason: 'gohighlevel: body has no event type (type)' };
  if (leadKindOf(type) === null) {
    return { ok: false, reason: `gohighlevel: event type ${JSON.stringify(type)} is not handled; subscribe only Contact* and Opportunity* events` };
  }
  if (options.locationId) {
    const fields = goHighLevelRecordFields(body);
    const location = body.locationId ?? fields.locationId;
    if (location !== options.locationId) {
      return { ok: false, reason: `gohighlevel: event for location ${JSON.stringify(location ?? null)}, this company is connected to ${JSON.stringify(options.locationId)}` };
    }
  }
  const webhookId = nonEmptyString(body.webhookId);
  return {
    ok: true,
    signedOver,
    webhook: { topic: type, dedupeKey: goHighLevelDedupeKey(body), deliveryId: webhookId, payload: body },
  };
}

/**
 * Which bytes GHL signs is not settled (REFERENCE: their SDK verifies over JSON.stringify(req.body),
 * i.e. after a JSON parse, not over what arrived). The raw bytes are tried first: they are what was
 * sent, and re-serialising can change them (number spelling, escapes, integers beyond 2^53). Only if
 * that fails is JSON.stringify(JSON.parse(raw)) tried, which matches when GHL signs its own compact
 * serialisation but the body reached us spaced differently. Either way the signature covers exactly
 * the data we go on to read, so the fallback does not let anyone change the payload.
 */
function signedBytes(rawBody: Buffer, body: unknown, key: KeyObject, signature: Buffer): GoHighLevelSignedOver | null {
  if (ed25519Verify(rawBody, key, signature)) return 'raw-body';
  if (body === undefined) return null;
  const canonical = Buffer.from(JSON.stringify(body), 'utf8');
  if (!canonical.equals(rawBody) && ed25519Verify(canonical, key, signature)) return 'json-stringify';
  return null;
}

function ed25519Verify(data: Buffer, key: KeyObject, signature: Buffer): boolean {
  try {
    // Ed25519 hashes internally: the algorithm argument must be null.
    return verify(null, data, key, signature);
  } catch {
    return false;
  }
}

/**
 * Which deliveries are the same event:
 * - webhookId: GHL documents it as the id to store to drop duplicate deliveries.
 * - Without it, the event type, the record's id and the event's timestamp name the change.
 * - Failing both, the body itself, hashed in its JSON.stringify form so a re-spaced copy of the same
 *   event maps to the same key.
 */
export function goHighLevelDedupeKey(body: Record<string, unknown>): string {
  const webhookId = nonEmptyString(body.webhookId);
  if (webhookId !== null) return `webhook:${webhookId}`;
  const fields = goHighLevelRecordFields(body);
  const type = nonEmptyString(body.type);
  const id = nonEmptyString(fields.id);
  const timestamp = nonEmptyString(body.timestamp ?? fields.timestamp);
  if (type !== null && id !== null && timestamp !== null) return `${type}:${id}:${timestamp}`;
  return `sha256:${createHash('sha256').update(JSON.stringify(body), 'utf8').digest('hex')}`;
}

function parseJson(rawBody: Buffer): unknown {
  try {
    return JSON.parse(rawBody.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function nonEmptyString(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/**
 * A header by name, whatever its case. Repeated values (or the same name in two spellings) are joined
 * as Node joins them, so a doubled signature header never verifies; blank means absent.
 */
function headerValue(headers: WebhookHeaders, name: string): string | null {
  const values = Object.entries(headers)
    .filter(([key]) => key.toLowerCase() === name)
    .flatMap(([, value]) => (value === undefined ? [] : Array.isArray(value) ? value : [value]));
  const text = values.join(', ').trim();
  return text === '' ? null : text;
}

import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { WebhookVerification } from '../../../../integrations/contracts';
import { goHighLevelCredentialsSchema, verifyGoHighLevelWebhook } from '../../../../integrations/gohighlevel';

// GHL signs with its private key; the test plays GHL with a key pair of its own.
const ghl = generateKeyPairSync('ed25519');
const publicKeyPem = ghl.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const other = generateKeyPairSync('ed25519');

const contactCreate = {
  type: 'ContactCreate',
  locationId: 've9EPM428h8vShlRW1KT',
  id: 'nmFmQEsNgz6AVpgLVUJ0',
  email: 'john.deo@example.com',
  firstName: 'John',
  dateAdded: '2025-01-28T14:34:58.000Z',
  timestamp: '2025-01-28T14:35:00.000Z',
  webhookId: '9b1c0a77-5d2e-4f0b-9f8a-0d6c1e2b3a4f',
};

function signed(data: string | Buffer, key: KeyObject = ghl.privateKey): string {
  return sign(null, Buffer.from(data), key).toString('base64');
}

function reasonOf(result: WebhookVerification): string {
  if (result.ok !== false) throw new Error(`expected a rejection, got ${JSON.stringify(result)}`);
  return result.reason;
}

function ok(result: WebhookVerification) {
  if (result.ok !== true) throw new Error(`expected a verified webhook, got ${JSON.stringify(result)}`);
  return result.webhook;
}

describe('verifyGoHighLevelWebhook: signature', () => {
  it('accepts a raw body signed with GHL\'s key, and says the raw bytes were signed', () => {
    const raw = Buffer.from(JSON.stringify(contactCreate));
    const result = verifyGoHighLevelWebhook(raw, { 'x-ghl-signature': signed(raw) }, publicKeyPem);
    expect(result).toMatchObject({ ok: true, signedOver: 'raw-body' });
    expect(ok(result)).toEqual({ topic: 'ContactCreate', dedupeKey: `webhook:${contactCreate.webhookId}`, deliveryId: contactCreate.webhookId, payload: contactCreate });
  });

  it('accepts, through the fallback, a signature over JSON.stringify(body) when the body arrived re-spaced', () => {
    const raw = Buffer.from(JSON.stringify(contactCreate, null, 2));
    const result = verifyGoHighLevelWebhook(raw, { 'x-ghl-signature': signed(JSON.stringify(contactCreate)) }, publicKeyPem);
    expect(result).toMatchObject({ ok: true, signedOver: 'json-stringify', webhook: { topic: 'ContactCreate' } });
  });

  it('rejects a tampered body, on both paths', () => {
    const signature = signed(JSON.stringify(contactCreate));
    const tampered = Buffer.from(JSON.stringify({ ...contactCreate, email: 'attacker@example.com' }));
    expect(verifyGoHighLevelWebhook(tampered, { 'x-ghl-signature': signature }, publicKeyPem)).toEqual({
      ok: false,
      reason: 'gohighlevel: x-ghl-signature does not match the body (checked the raw bytes and JSON.stringify of the parsed body)',
    });
  });

  it('rejects a signature made with another key', () => {
    const raw = Buffer.from(JSON.stringify(contactCreate));
    expect(verifyGoHighLevelWebhook(raw, { 'x-ghl-signature': signed(raw, other.privateKey) }, publicKeyPem).ok).toBe(false);
  });

  it('rejects a delivery without a signature', () => {
    const raw = Buffer.from(JSON.stringify(contactCreate));
    expect(verifyGoHighLevelWebhook(raw, {}, publicKeyPem)).toEqual({ ok: false, reason: 'gohighlevel: missing x-ghl-signature header' });
  });

  it('rejects the legacy RSA x-wh-signature with a reason that says what to do', () => {
    const raw = Buffer.from(JSON.stringify(contactCreate));
    expect(verifyGoHighLevelWebhook(raw, { 'X-WH-Signature': 'bGVnYWN5' }, publicKeyPem)).toEqual({
      ok: false,
      reason: 'gohighlevel: legacy x-wh-signature is not accepted; enable x-ghl-signature',
    });
    // Both headers: only the Ed25519 one counts.
    expect(verifyGoHighLevelWebhook(raw, { 'x-wh-signature': 'bGVnYWN5', 'X-GHL-Signature': signed(raw) }, publicKeyPem).ok).toBe(true);
  });

  it.each([
    ['not base64', '***'],
    ['too short', Buffer.alloc(32).toString('base64')],
  ])('rejects a malformed signature (%s)', (_label, value) => {
    const raw = Buffer.from(JSON.stringify(contactCreate));
    expect(reasonOf(verifyGoHighLevelWebhook(raw, { 'x-ghl-signature': value }, publicKeyPem))).toMatch(/x-ghl-signature is/);
  });

  it('says so when the configured key cannot be used (an RSA key, say)', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const raw = Buffer.from(JSON.stringify(contactCreate));
    expect(reasonOf(verifyGoHighLevelWebhook(raw, { 'x-ghl-signature': signed(raw) }, rsa))).toMatch(/configured public key cannot be used: expected an Ed25519 public key/);
    expect(verifyGoHighLevelWebhook(raw, { 'x-ghl-signature': signed(raw) }, 'not a pem').ok).toBe(false);
  });
});

describe('verifyGoHighLevelWebhook: events', () => {
  const deliver = (body: unknown, options?: { locationId?: string }) => {
    const raw = Buffer.from(JSON.stringify(body));
    return verifyGoHighLevelWebhook(raw, { 'x-ghl-signature': signed(raw) }, publicKeyPem, options);
  };

  it.each(['ContactCreate', 'ContactUpdate', 'ContactDelete', 'ContactTagUpdate', 'OpportunityCreate', 'OpportunityStatusUpdate', 'OpportunityMonetaryValueUpdate'])('accepts %s', (type) => {
    expect(deliver({ ...contactCreate, type })).toMatchObject({ ok: true, webhook: { topic: type } });
  });

  it('rejects other event types, and a body without one', () => {
    expect(deliver({ ...contactCreate, type: 'InvoicePaid' })).toEqual({
      ok: false,
      reason: 'gohighlevel: event type "InvoicePaid" is not handled; subscribe only Contact* and Opportunity* events',
    });
    expect(deliver({ id: 'x' })).toEqual({ ok: false, reason: 'gohighlevel: body has no event type (type)' });
    expect(deliver([1, 2])).toEqual({ ok: false, reason: 'gohighlevel: body is not a JSON object' });
  });

  it('refuses another location\'s events when the company set its locationId', () => {
    expect(deliver(contactCreate, { locationId: contactCreate.locationId }).ok).toBe(true);
    expect(deliver(contactCreate, { locationId: 'someone-else' })).toEqual({
      ok: false,
      reason: 'gohighlevel: event for location "ve9EPM428h8vShlRW1KT", this company is connected to "someone-else"',
    });
  });

  it('dedupes on webhookId, else on type + id + timestamp, else on the body', () => {
    const first = ok(deliver(contactCreate));
    const redelivered = ok(deliver({ ...contactCreate, firstName: 'Johnny' }));
    expect(redelivered.dedupeKey).toBe(first.dedupeKey);

    const { webhookId: _webhookId, ...withoutWebhookId } = contactCreate;
    expect(ok(deliver(withoutWebhookId))).toMatchObject({ dedupeKey: 'ContactCreate:nmFmQEsNgz6AVpgLVUJ0:2025-01-28T14:35:00.000Z', deliveryId: null });

    const bare = { type: 'ContactCreate', email: 'x@example.com' };
    const expected = `sha256:${createHash('sha256').update(JSON.stringify(bare)).digest('hex')}`;
    expect(ok(deliver(bare)).dedupeKey).toBe(expected);
    // A re-spaced copy of the same event is the same event.
    const raw = Buffer.from(JSON.stringify(bare, null, 4));
    expect(ok(verifyGoHighLevelWebhook(raw, { 'x-ghl-signature': signed(JSON.stringify(bare)) }, publicKeyPem)).dedupeKey).toBe(expected);
  });
});

describe('goHighLevelCredentialsSchema', () => {
  it('accepts an Ed25519 PEM, an optional location and currency', () => {
    expect(goHighLevelCredentialsSchema.parse({ publicKey: publicKeyPem, locationId: 'loc1', currency: 'eur' })).toEqual({ publicKey: publicKeyPem.trim(), locationId: 'loc1', currency: 'EUR' });
    expect(goHighLevelCredentialsSchema.parse({ publicKey: publicKeyPem })).toEqual({ publicKey: publicKeyPem.trim() });
  });

  it('rejects a key that is not an Ed25519 public key, saying why', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const result = goHighLevelCredentialsSchema.safeParse({ publicKey: rsa });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/expected an Ed25519 public key .* got rsa/);
    expect(goHighLevelCredentialsSchema.safeParse({ publicKey: 'hello' }).error?.issues[0]?.message).toMatch(/not a PEM public key/);
  });
});

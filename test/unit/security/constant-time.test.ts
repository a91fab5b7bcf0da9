// Signature and key checks: every vendor verifier compares in constant time (timingSafeEqual, the
// Stripe SDK's own constant-time compare, or Ed25519 verification), and rejects a forged signature of
// exactly the right length and encoding, i.e. the case a naive early-exit string compare would leak on.
import { createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Stripe from 'stripe';
import { verifyGoHighLevelWebhook } from '../../../integrations/gohighlevel/webhook';
import { verifyShopifyWebhook } from '../../../integrations/shopify/webhook';
import { verifyStripeWebhook } from '../../../integrations/stripe/webhook';
import { verifyWooCommerceWebhook } from '../../../integrations/woocommerce/webhook';

const body = Buffer.from(JSON.stringify({ id: 1, type: 'ContactCreate', date_modified_gmt: '2026-01-01T00:00:00' }));
const flipLastChar = (b64: string) => {
  const bytes = Buffer.from(b64, 'base64');
  bytes[bytes.length - 1]! ^= 1;
  return bytes.toString('base64');
};

test('WooCommerce: the right signature verifies; an equal-length wrong one does not', () => {
  const good = createHmac('sha256', 's3cret').update(body).digest('base64');
  const headers = (sig: string) => ({ 'x-wc-webhook-signature': sig, 'x-wc-webhook-topic': 'order.created' });
  expect(verifyWooCommerceWebhook(body, headers(good), 's3cret').ok).toBe(true);
  const forged = flipLastChar(good);
  expect(forged).toHaveLength(good.length);
  expect(verifyWooCommerceWebhook(body, headers(forged), 's3cret').ok).toBe(false);
});

test('Shopify: equal-length wrong HMAC is rejected', () => {
  const good = createHmac('sha256', 'app-secret').update(body).digest('base64');
  const headers = (sig: string) => ({ 'x-shopify-hmac-sha256': sig, 'x-shopify-topic': 'orders/create' });
  expect(verifyShopifyWebhook(body, headers(good), 'app-secret').ok).toBe(true);
  expect(verifyShopifyWebhook(body, headers(flipLastChar(good)), 'app-secret').ok).toBe(false);
  expect(verifyShopifyWebhook(body, headers(randomBytes(32).toString('base64')), 'app-secret').ok).toBe(false);
});

test('Stripe: an equal-length wrong v1 signature is rejected by the SDK', () => {
  const secret = 'whsec_constanttime';
  const stripeBody = JSON.stringify({ id: 'evt_1', type: 'charge.succeeded', object: 'event' });
  const good = Stripe.webhooks.generateTestHeaderString({ payload: stripeBody, secret });
  expect(verifyStripeWebhook(Buffer.from(stripeBody), { 'stripe-signature': good }, secret).ok).toBe(true);
  const forged = good.replace(/v1=([0-9a-f]+)/, (_, hex: string) => `v1=${hex.slice(0, -1)}${hex.endsWith('0') ? '1' : '0'}`);
  expect(forged).toHaveLength(good.length);
  expect(verifyStripeWebhook(Buffer.from(stripeBody), { 'stripe-signature': forged }, secret).ok).toBe(false);
});

test('GoHighLevel: a 64-byte signature by another key is rejected', () => {
  const ghl = generateKeyPairSync('ed25519');
  const other = generateKeyPairSync('ed25519');
  const pem = ghl.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  expect(verifyGoHighLevelWebhook(body, { 'x-ghl-signature': sign(null, body, ghl.privateKey).toString('base64') }, pem).ok).toBe(true);
  expect(verifyGoHighLevelWebhook(body, { 'x-ghl-signature': sign(null, body, other.privateKey).toString('base64') }, pem).ok).toBe(false);
});

test('no verifier or key check compares a secret, signature or key with === / !== (source check)', () => {
  const root = path.resolve(__dirname, '..', '..', '..');
  const files = ['integrations/woocommerce/webhook.ts', 'integrations/shopify/webhook.ts', 'integrations/stripe/webhook.ts', 'integrations/gohighlevel/webhook.ts', 'lib/keys.ts', 'collector/key-resolver.ts'];
  const offenders = files.flatMap((file) =>
    readFileSync(path.join(root, file), 'utf8')
      .split('\n')
      .map((line, i) => ({ file, line: i + 1, text: line }))
      .filter(({ text }) => /(signature|secret|expected|hmac|digest|keyHash|key_hash|token)\w*\s*[!=]==\s*\w/i.test(text) && !/===\s*(null|undefined|''|ED25519|expected\.length)|\.length\s*[!=]==|typeof/.test(text)),
  );
  expect(offenders).toEqual([]);
});

// Every vendor we integrate, behind one shape: how its credentials look, how a webhook is verified and
// read, and which import streams it has. The collector's webhook route, the import activities and the
// CLI look vendors up here and nowhere else.
import type { z } from 'zod';
import { IMPORT_STREAMS, type ImportSource } from '../lib/commerce/import-streams';
import type { NormaliseResult } from '../lib/commerce/records';
import type { IntegrationSource } from '../lib/credentials/store';
import type { ImportPage, ImportStream, StoredWebhookMeta, WebhookHeaders, WebhookRequest, WebhookVerification } from './contracts';
import { goHighLevelCredentialsSchema, normaliseGoHighLevelWebhook, verifyGoHighLevelWebhook } from './gohighlevel';
import { createShopifyOrdersStream, normaliseShopifyWebhook, shopifyCredentialsSchema, verifyShopifyWebhook } from './shopify';
import { callStripe, createStripeClient, createStripeStreams, normaliseStripeEvent, prepareStripeEvent, stripeCredentialsSchema, verifyStripeWebhook } from './stripe';
import { createWooCommerceOrdersStream, normaliseWooCommerceWebhook, verifyWooCommerceWebhook, wooCommerceCredentialsSchema } from './woocommerce';
import { createGoogleAdsSpendStream, googleAdsCredentialsSchema } from './google-ads';
import { createMetaSpendStream, metaCredentialsSchema } from './meta';
import { createTikTokSpendStream, tiktokCredentialsSchema } from './tiktok';
import { mailgunCredentialsSchema, normaliseMailgunWebhook, verifyMailgunWebhook } from './mailgun';
import { normaliseTwilioWebhook, parseTwilioForm, twilioCredentialsSchema, verifyTwilioWebhook } from './twilio';
import { createGscStream, gscCredentialsSchema } from './gsc';
import { createMetaPagesStream, metaPagesCredentialsSchema } from './meta-pages';
import { createXStream, xCredentialsSchema } from './x';
import { ga4CredentialsSchema } from './ga4/credentials';

/**
 * An import stream whose cursor type is checked at run time instead of compile time: the cursor comes
 * back from a jsonb column, so it is parsed with the stream's own schema before every use.
 */
export type StoredCursorStream = {
  vendor: string;
  stream: string;
  initialCursor(since: string | null): unknown;
  restartCursor(finished: unknown): unknown;
  fetchPage(cursor: unknown): Promise<ImportPage<unknown>>;
  normalise(row: unknown): NormaliseResult;
};

export function withStoredCursor<C>(stream: ImportStream<C>): StoredCursorStream {
  const parse = (cursor: unknown): C => {
    const parsed = stream.cursorSchema.safeParse(cursor);
    if (!parsed.success) throw new Error(`${stream.vendor}/${stream.stream}: the stored import cursor is not valid: ${parsed.error.message}`);
    return parsed.data;
  };
  return {
    vendor: stream.vendor,
    stream: stream.stream,
    initialCursor: (since) => stream.initialCursor(since),
    restartCursor: (finished) => stream.restartCursor(parse(finished)),
    fetchPage: (cursor) => stream.fetchPage(parse(cursor)),
    normalise: (row) => stream.normalise(row),
  };
}

export type Integration = {
  source: IntegrationSource;
  credentialsSchema: z.ZodTypeAny;
  /** `request`: the URL as the vendor called it (Twilio signs it; the others ignore it). */
  verifyWebhook(rawBody: Buffer, headers: WebhookHeaders, credentials: unknown, request: WebhookRequest): WebhookVerification;
  /**
   * `credentials`: the company's, for vendors whose payloads need them to be read (GoHighLevel's currency);
   * `meta`: what is known of the stored delivery (its arrival time, for payloads without one: Twilio).
   */
  normaliseWebhook(topic: string, payload: unknown, credentials: unknown, meta: StoredWebhookMeta): NormaliseResult;
  /** The stored body → payload. Default JSON; Twilio posts application/x-www-form-urlencoded. */
  parseBody?(rawBody: Buffer): unknown;
  /**
   * A second delivery with the same dedupe key is refused (406) instead of acknowledged as a duplicate:
   * Mailgun's key is the signature token, which must be usable once (a replayed signature could carry
   * other event data; REFERENCE.md: "cache tokens to reject replays").
   */
  refuseRedelivery?: boolean;
  /**
   * Fetches what a webhook event does not carry before it is normalised (Stripe: an invoice's payments),
   * so the result does not depend on which way a record arrived. May call the vendor; errors are retried.
   */
  prepareWebhook?(topic: string, payload: unknown, credentials: unknown): Promise<unknown>;
  importStreams(credentials: unknown): StoredCursorStream[];
};

export const INTEGRATIONS: Record<IntegrationSource, Integration> = {
  woocommerce: {
    source: 'woocommerce',
    credentialsSchema: wooCommerceCredentialsSchema,
    verifyWebhook: (raw, headers, c) => verifyWooCommerceWebhook(raw, headers, wooCommerceCredentialsSchema.parse(c).webhookSecret),
    normaliseWebhook: (topic, payload) => normaliseWooCommerceWebhook(topic, payload),
    importStreams: (c) => [withStoredCursor(createWooCommerceOrdersStream(wooCommerceCredentialsSchema.parse(c)))],
  },
  shopify: {
    source: 'shopify',
    credentialsSchema: shopifyCredentialsSchema,
    verifyWebhook: (raw, headers, c) => verifyShopifyWebhook(raw, headers, shopifyCredentialsSchema.parse(c).webhookSecret),
    normaliseWebhook: (topic, payload) => normaliseShopifyWebhook(topic, payload),
    importStreams: (c) => [withStoredCursor(createShopifyOrdersStream(shopifyCredentialsSchema.parse(c)))],
  },
  stripe: {
    source: 'stripe',
    credentialsSchema: stripeCredentialsSchema,
    verifyWebhook: (raw, headers, c) => verifyStripeWebhook(raw, headers, stripeCredentialsSchema.parse(c).webhookSecret),
    normaliseWebhook: (_topic, payload) => normaliseStripeEvent(payload),
    prepareWebhook: (_topic, payload, c) => callStripe(() => prepareStripeEvent(createStripeClient(stripeCredentialsSchema.parse(c)), payload)),
    importStreams: (c) => createStripeStreams(stripeCredentialsSchema.parse(c)).map((s) => withStoredCursor(s)),
  },
  gohighlevel: {
    source: 'gohighlevel',
    credentialsSchema: goHighLevelCredentialsSchema,
    verifyWebhook: (raw, headers, c) => {
      const credentials = goHighLevelCredentialsSchema.parse(c);
      // One GHL key signs every customer's webhooks: the location check is what ties a delivery to this company.
      return verifyGoHighLevelWebhook(raw, headers, credentials.publicKey, { locationId: credentials.locationId ?? null });
    },
    normaliseWebhook: (topic, payload, c) => normaliseGoHighLevelWebhook(topic, payload, { currency: goHighLevelCredentialsSchema.parse(c).currency ?? null }),
    importStreams: () => [], // webhooks only
  },
  mailgun: {
    source: 'mailgun',
    credentialsSchema: mailgunCredentialsSchema,
    verifyWebhook: (raw, _headers, c) => verifyMailgunWebhook(raw, mailgunCredentialsSchema.parse(c).webhookSigningKey),
    normaliseWebhook: (topic, payload) => normaliseMailgunWebhook(topic, payload),
    refuseRedelivery: true,
    importStreams: () => [], // webhooks only
  },
  twilio: {
    source: 'twilio',
    credentialsSchema: twilioCredentialsSchema,
    verifyWebhook: (raw, headers, c, request) => {
      const credentials = twilioCredentialsSchema.parse(c);
      // Twilio signs the URL it called: behind a proxy that rewrites it, the configured public base URL wins.
      const url = credentials.publicBaseUrl ? credentials.publicBaseUrl + pathAndQuery(request.url) : request.url;
      return verifyTwilioWebhook(raw, headers, { authToken: credentials.authToken, url, accountSid: credentials.accountSid ?? null });
    },
    normaliseWebhook: (topic, payload, _c, meta) => normaliseTwilioWebhook(topic, payload, meta.receivedAt),
    parseBody: (raw) => parseTwilioForm(raw),
    importStreams: () => [], // webhooks only
  },
  google_ads: {
    source: 'google_ads',
    credentialsSchema: googleAdsCredentialsSchema,
    ...importsOnly('google_ads'),
    importStreams: (c) => [withStoredCursor(createGoogleAdsSpendStream(googleAdsCredentialsSchema.parse(c)))],
  },
  meta: {
    source: 'meta',
    credentialsSchema: metaCredentialsSchema,
    ...importsOnly('meta'),
    importStreams: (c) => [withStoredCursor(createMetaSpendStream(metaCredentialsSchema.parse(c)))],
  },
  tiktok: {
    source: 'tiktok',
    credentialsSchema: tiktokCredentialsSchema,
    ...importsOnly('tiktok'),
    importStreams: (c) => [withStoredCursor(createTikTokSpendStream(tiktokCredentialsSchema.parse(c)))],
  },
  // Organic channels: imports only, like the ad platforms.
  gsc: {
    source: 'gsc',
    credentialsSchema: gscCredentialsSchema,
    ...importsOnly('gsc'),
    importStreams: (c) => [withStoredCursor(createGscStream(gscCredentialsSchema.parse(c)))],
  },
  meta_pages: {
    source: 'meta_pages',
    credentialsSchema: metaPagesCredentialsSchema,
    ...importsOnly('meta_pages'),
    importStreams: (c) => [withStoredCursor(createMetaPagesStream(metaPagesCredentialsSchema.parse(c)))],
  },
  x: {
    source: 'x',
    credentialsSchema: xCredentialsSchema,
    ...importsOnly('x'),
    importStreams: (c) => [withStoredCursor(createXStream(xCredentialsSchema.parse(c)))],
  },
  // Conversion forwarding only (docs/forwarding.md): the measurement id and API secret.
  ga4: {
    source: 'ga4',
    credentialsSchema: ga4CredentialsSchema,
    ...forwardingOnly('ga4'),
  },
};

/** Destinations we only send to (GA4 Measurement Protocol): no webhooks in, no imports. */
function forwardingOnly(source: IntegrationSource): Pick<Integration, 'verifyWebhook' | 'normaliseWebhook' | 'importStreams'> {
  return {
    verifyWebhook: () => ({ ok: false, reason: `${source} only receives conversions from LUX (docs/forwarding.md); it sends nothing here` }),
    normaliseWebhook: (topic, payload) => ({ ok: false, rejected: { externalId: null, reason: `${source} has no webhook topics (got ${JSON.stringify(topic)})`, raw: payload } }),
    importStreams: () => [],
  };
}

/** Vendors we only import from (ad platforms, organic channels): a delivery to their webhook URL is refused with a reason. */
function importsOnly(source: IntegrationSource): Pick<Integration, 'verifyWebhook' | 'normaliseWebhook'> {
  return {
    verifyWebhook: () => ({ ok: false, reason: `${source} sends no webhooks to LUX: its data arrives by import (lux import ${source})` }),
    normaliseWebhook: (topic, payload) => ({ ok: false, rejected: { externalId: null, reason: `${source} has no webhook topics (got ${JSON.stringify(topic)})`, raw: payload } }),
  };
}

function pathAndQuery(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}

export function integrationFor(source: string): Integration | undefined {
  return Object.prototype.hasOwnProperty.call(INTEGRATIONS, source) ? INTEGRATIONS[source as IntegrationSource] : undefined;
}

/** The stream of `source` named `stream`, checked against the static list the workflows use. */
export function importStreamFor(source: ImportSource, stream: string, credentials: unknown): StoredCursorStream {
  const found = INTEGRATIONS[source].importStreams(credentials).find((s) => s.stream === stream);
  if (!found || !(IMPORT_STREAMS[source] as readonly string[]).includes(stream)) throw new Error(`${source} has no import stream named ${stream}`);
  return found;
}

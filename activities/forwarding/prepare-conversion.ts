// prepareConversion: gathers what we know about one order (its last touch and click ids, the events
// linked to it and their consent/GPC flags, suppressions, the company's forwarding settings), decides per
// destination with lib/forwarding/gate.ts, builds the exact payloads and upserts one conversion_outbox
// row per order × destination. Idempotent: a row is rewritten only while it is pending or skipped and
// only when its decision or payload hash changed; a row a vendor already answered is never touched.
import { sql } from 'slonik';
import { z } from 'zod';
import { googleAdsCredentialsSchema } from '../../integrations/google-ads/credentials';
import type { CredentialsKey } from '../../lib/credentials/cipher';
import { loadIntegrationCredentials } from '../../lib/credentials/store';
import type { DatabasePool } from '../../lib/db/pool';
import { withTenant, type TenantTransaction } from '../../lib/db/tenant';
import { adDestinationsFor, type Destination, type LastTouch } from '../../lib/forwarding/destinations';
import { decideForwarding, type GateReason, type LinkedEvent } from '../../lib/forwarding/gate';
import { ga4Payload, googleAdsPayload, metaPayload, payloadSha256, tiktokPayload, type ConversionFacts } from '../../lib/forwarding/payloads';
import { FORWARDING_CONFIG_SCHEMAS } from '../../lib/forwarding/settings';

export type OutboxDecision = { destination: Destination | 'none'; status: string; forward: boolean; reason: string; payloadSha256: string | null };
export type PrepareResult = { decisions: OutboxDecision[]; toSend: Destination[] };

const CREDENTIAL_SOURCE: Record<Destination, string> = { google_ads: 'google_ads', meta: 'meta', tiktok: 'tiktok', ga4: 'ga4' };

const orderRow = z.object({
  external_id: z.string(),
  currency: z.string(),
  total_minor: z.coerce.number(),
  email_hash: z.string().nullable(),
  user_id: z.string().nullable(),
  visitor_id: z.string().nullable(),
  purchase_event_id: z.string().nullable(),
  created_ms: z.coerce.number(),
  merged: z.boolean(),
  time_zone: z.string(),
  last_session_id: z.string().nullable(),
  click_ids: z.record(z.string()).nullable(),
  touch_source: z.string().nullable(),
  touch_medium: z.string().nullable(),
  touch_channel: z.string().nullable(),
  touch_started_ms: z.coerce.number().nullable(),
  landing_page: z.string().nullable(),
  purchase_page_url: z.string().nullable(),
});
const eventRow = z.object({ occurred_ms: z.coerce.number(), gpc: z.boolean(), forwardable: z.boolean(), marketing: z.boolean().nullable() });
const settingRow = z.object({ destination: z.string(), enabled: z.boolean(), config: z.record(z.unknown()) });
const decisionRow = z.object({ destination: z.string(), status: z.string(), forward: z.boolean(), reason: z.string(), payload_sha256: z.string().nullable() });

type Facts = { order: z.infer<typeof orderRow>; events: LinkedEvent[]; suppressed: boolean; settings: Map<string, z.infer<typeof settingRow>>; credentials: Set<string>; sentAsProvisional: Set<string> };

async function readFacts(tx: TenantTransaction, companyId: string, source: string, externalId: string): Promise<Facts | null> {
  const order = await tx.maybeOne(sql.type(orderRow)`
    SELECT o.external_id, o.currency, o.total_minor, nullif(o.email_hash, '') AS email_hash, nullif(o.user_id, '') AS user_id,
      nullif(o.visitor_id, '') AS visitor_id, o.purchase_event_id::text AS purchase_event_id,
      extract(epoch FROM o.created_at) * 1000 AS created_ms, o.merged_into_external_id IS NOT NULL AS merged, c.time_zone,
      a.last_touch_session_id AS last_session_id, s.click_ids, a.last_touch_source AS touch_source, a.last_touch_medium AS touch_medium,
      a.last_touch_channel AS touch_channel, extract(epoch FROM s.started_at) * 1000 AS touch_started_ms, s.landing_page,
      pe.page_url AS purchase_page_url
    FROM orders o
    JOIN companies c ON c.company_id = o.company_id
    LEFT JOIN order_attribution a ON a.company_id = o.company_id AND a.source = o.source AND a.external_id = o.external_id
    LEFT JOIN sessions s ON s.company_id = o.company_id AND s.session_id = a.last_touch_session_id
    LEFT JOIN raw_events pe ON pe.company_id = o.company_id AND pe.event_id = o.purchase_event_id
    WHERE o.company_id = ${companyId} AND o.source = ${source} AND o.external_id = ${externalId}`);
  if (order === null) return null;

  // The events linked to the order: its purchase event, the events of its own session and of every session
  // on its attribution path, and of the visitors those belong to (GPC on any of them blocks forwarding).
  const linked = sql.fragment`
    WITH sess AS (
      SELECT session_id, visitor_id FROM attribution_touches WHERE company_id = ${companyId} AND source = ${source} AND external_id = ${externalId}
      UNION SELECT session_id, visitor_id FROM orders WHERE company_id = ${companyId} AND source = ${source} AND external_id = ${externalId}
    ),
    visitors AS (SELECT DISTINCT visitor_id FROM sess WHERE visitor_id IS NOT NULL AND visitor_id <> '')`;
  const events = await tx.any(sql.type(eventRow)`
    ${linked}
    SELECT extract(epoch FROM e.occurred_at) * 1000 AS occurred_ms, e.gpc, e.forwardable,
      CASE WHEN jsonb_typeof(e.consent -> 'marketing') = 'boolean' THEN (e.consent ->> 'marketing')::boolean END AS marketing
    FROM raw_events e
    WHERE e.company_id = ${companyId} AND (
      e.event_id = (SELECT purchase_event_id FROM orders WHERE company_id = ${companyId} AND source = ${source} AND external_id = ${externalId})
      OR e.session_id IN (SELECT session_id FROM sess WHERE session_id IS NOT NULL)
      OR e.visitor_id IN (SELECT visitor_id FROM visitors))`);

  const suppressed = await tx.oneFirst(sql.type(z.object({ suppressed: z.boolean() }))`
    ${linked},
    people AS (
      SELECT 'visitor_id' AS kind, visitor_id AS value FROM visitors
      UNION SELECT 'user_id', nullif(user_id, '') FROM orders WHERE company_id = ${companyId} AND source = ${source} AND external_id = ${externalId}
      UNION SELECT 'email_hash', nullif(email_hash, '') FROM orders WHERE company_id = ${companyId} AND source = ${source} AND external_id = ${externalId}
      UNION SELECT 'user_id', nullif(l.user_id, '') FROM identity_links l WHERE l.company_id = ${companyId} AND l.visitor_id IN (SELECT visitor_id FROM visitors)
      UNION SELECT 'email_hash', nullif(l.email_hash, '') FROM identity_links l WHERE l.company_id = ${companyId} AND l.visitor_id IN (SELECT visitor_id FROM visitors)
    )
    SELECT EXISTS (SELECT 1 FROM suppressions x JOIN people p ON p.kind = x.kind AND p.value = x.value WHERE x.company_id = ${companyId}) AS suppressed`);

  const settings = await tx.any(sql.type(settingRow)`SELECT destination, enabled, config FROM conversion_forwarding_settings WHERE company_id = ${companyId}`);
  const credentials = await tx.anyFirst(sql.type(z.object({ source: z.string() }))`SELECT source FROM integration_credentials WHERE company_id = ${companyId}`);
  // A provisional storefront order that a platform order took over may have been forwarded already.
  const sentAsProvisional = await tx.anyFirst(sql.type(z.object({ destination: z.string() }))`
    SELECT DISTINCT b.destination FROM orders m
    JOIN conversion_outbox b ON b.company_id = m.company_id AND b.source = m.source AND b.external_id = m.external_id
    WHERE m.company_id = ${companyId} AND m.merged_into_source = ${source} AND m.merged_into_external_id = ${externalId}
      AND b.status IN ('sent', 'partial_failure')`);

  return {
    order,
    events: events.map((e) => ({ occurredAt: e.occurred_ms, gpc: e.gpc, forwardable: e.forwardable, adsConsent: e.marketing })),
    suppressed,
    settings: new Map(settings.map((s) => [s.destination, s])),
    credentials: new Set(credentials),
    sentAsProvisional: new Set(sentAsProvisional),
  };
}

type Planned = { destination: Destination | 'none'; forward: boolean; reason: GateReason; payload: Record<string, unknown> | null; eventId: string | null; eventTime: string | null };

export async function prepareConversion(
  deps: { appPool: DatabasePool; credentialsKey?: CredentialsKey | undefined },
  input: { companyId: string; source: string; externalId: string },
): Promise<PrepareResult | null> {
  const { companyId, source, externalId } = input;
  const facts = await withTenant(deps.appPool, companyId, (tx) => readFacts(tx, companyId, source, externalId));
  if (facts === null) return null;
  const { order } = facts;

  const lastTouch: LastTouch | null =
    order.last_session_id !== null
      ? { sessionId: order.last_session_id, clickIds: order.click_ids ?? {}, source: order.touch_source, medium: order.touch_medium, channel: order.touch_channel, startedAt: order.touch_started_ms ?? order.created_ms }
      : null;
  const eventId = order.purchase_event_id ?? `${source}:${externalId}`;
  const conversion: ConversionFacts = {
    source,
    externalId,
    orderId: order.external_id,
    eventId,
    purchasedAt: new Date(order.created_ms),
    currency: order.currency,
    valueMinor: order.total_minor,
    emailHash: order.email_hash,
    userId: order.user_id,
    visitorId: order.visitor_id,
    pageUrl: order.purchase_page_url ?? order.landing_page,
    lastTouch,
    timeZone: order.time_zone,
  };

  const destinations: Destination[] = adDestinationsFor(lastTouch);
  if (facts.settings.get('ga4')?.enabled === true) destinations.push('ga4');

  const planned: Planned[] = [];
  for (const destination of destinations) {
    const setting = facts.settings.get(destination);
    const enabled = setting?.enabled === true;
    const payload = enabled ? await buildPayload(deps, companyId, destination, conversion, setting?.config ?? {}, facts.credentials) : null;
    const configured = payload !== 'not_configured';
    const body = payload === 'not_configured' ? null : payload;
    let decision = decideForwarding({ destination, merged: order.merged, events: facts.events, suppressed: facts.suppressed, enabled, configured, hasIdentifier: body !== null });
    if (decision.forward && facts.sentAsProvisional.has(destination)) decision = { forward: false, reason: 'sent_as_provisional_order' };
    planned.push({
      destination,
      forward: decision.forward,
      reason: decision.reason,
      payload: decision.forward ? body : null,
      eventId: destination === 'google_ads' || destination === 'ga4' ? order.external_id : eventId,
      eventTime: conversion.purchasedAt.toISOString(),
    });
  }
  if (planned.length === 0) {
    // No ad platform brought this order: record that (and the privacy reason, when there is one).
    const privacy = decideForwarding({ destination: 'meta', merged: order.merged, events: facts.events, suppressed: facts.suppressed, enabled: true, configured: true, hasIdentifier: true });
    const reason: GateReason = ['order_merged', 'gpc', 'not_forwardable', 'suppressed'].includes(privacy.reason) ? privacy.reason : 'no_ad_platform_touch';
    planned.push({ destination: 'none', forward: false, reason, payload: null, eventId: null, eventTime: conversion.purchasedAt.toISOString() });
  }

  const rows = planned.map((p) => ({
    destination: p.destination,
    status: p.forward ? 'pending' : 'skipped',
    forward: p.forward,
    reason: p.reason,
    event_id: p.eventId,
    event_time: p.eventTime,
    payload: p.payload,
    payload_sha256: p.payload === null ? null : payloadSha256(p.payload),
  }));
  const stored = await withTenant(deps.appPool, companyId, async (tx) => {
    await tx.query(sql.unsafe`
      INSERT INTO conversion_outbox AS b (company_id, source, external_id, destination, status, forward, reason, event_id, event_time, payload, payload_sha256)
      SELECT ${companyId}, ${source}, ${externalId}, r.destination, r.status, r.forward, r.reason, r.event_id, r.event_time, r.payload, r.payload_sha256
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(destination text, status text, forward boolean, reason text, event_id text, event_time timestamptz, payload jsonb, payload_sha256 text)
      ON CONFLICT (company_id, source, external_id, destination) DO UPDATE SET
        status = EXCLUDED.status, forward = EXCLUDED.forward, reason = EXCLUDED.reason, event_id = EXCLUDED.event_id, event_time = EXCLUDED.event_time,
        payload = EXCLUDED.payload, payload_sha256 = EXCLUDED.payload_sha256, decided_at = now(), updated_at = now()
      -- only undelivered rows change, and only when the decision or the payload did
      WHERE b.status IN ('pending', 'skipped')
        AND (b.status, b.reason, b.payload_sha256) IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.reason, EXCLUDED.payload_sha256)`);
    return tx.any(sql.type(decisionRow)`
      SELECT destination, status, forward, reason, payload_sha256 FROM conversion_outbox
      WHERE company_id = ${companyId} AND source = ${source} AND external_id = ${externalId} ORDER BY destination`);
  });
  const decisions = stored.map((r) => ({ destination: r.destination as Destination | 'none', status: r.status, forward: r.forward, reason: r.reason, payloadSha256: r.payload_sha256 }));
  return { decisions, toSend: decisions.filter((d) => d.status === 'pending' && d.destination !== 'none').map((d) => d.destination as Destination) };
}

/** The destination's payload, null when there is nothing it can match on, 'not_configured' when settings or credentials are missing. */
async function buildPayload(
  deps: { appPool: DatabasePool; credentialsKey?: CredentialsKey | undefined },
  companyId: string,
  destination: Destination,
  facts: ConversionFacts,
  rawConfig: Record<string, unknown>,
  credentials: Set<string>,
): Promise<Record<string, unknown> | null | 'not_configured'> {
  if (!credentials.has(CREDENTIAL_SOURCE[destination])) return 'not_configured';
  switch (destination) {
    case 'google_ads': {
      const config = FORWARDING_CONFIG_SCHEMAS.google_ads.safeParse(rawConfig);
      if (!config.success) return 'not_configured';
      let customerId = config.data.customerId;
      if (customerId === undefined) {
        if (!deps.credentialsKey) return 'not_configured';
        customerId = (await loadIntegrationCredentials(deps.appPool, deps.credentialsKey, companyId, 'google_ads', googleAdsCredentialsSchema)).customerIds[0];
      }
      if (customerId === undefined) return 'not_configured';
      return googleAdsPayload(facts, { customerId, conversionActionId: config.data.conversionActionId });
    }
    case 'meta': {
      const config = FORWARDING_CONFIG_SCHEMAS.meta.safeParse(rawConfig);
      return config.success ? metaPayload(facts, { testEventCode: config.data.testEventCode }) : 'not_configured';
    }
    case 'tiktok': {
      const config = FORWARDING_CONFIG_SCHEMAS.tiktok.safeParse(rawConfig);
      return config.success ? tiktokPayload(facts, { pixelCode: config.data.pixelCode }) : 'not_configured';
    }
    case 'ga4':
      return ga4Payload(facts);
  }
}

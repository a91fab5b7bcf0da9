// One company can never read or write another's rows. The test enumerates every table in the schema,
// so a new table without RLS, or without a fixture here, fails it.
import { randomUUID } from 'node:crypto';
import { sql, type DatabaseTransactionConnection } from 'slonik';
import { z } from 'zod';
import { generateSecretKey, generateSiteKey } from '../../lib/keys';
import { createDatabasePool } from '../../lib/db/pool';
import { withTenant } from '../../lib/db/tenant';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestCompany } from '../support/fixtures';

/**
 * Tables that hold no tenant data: bookkeeping of the migration tool, and fx_rates (global market FX
 * rates, migration 0007: no company_id, read-only for the app role; checked in the last test below).
 */
const NON_TENANT_TABLES = new Set(['pgmigrations', 'fx_rates']);

/**
 * One extra row per table for a company, written as the owner (bypassing RLS). A company created by
 * createTestCompany already has its companies, site_keys and secret_keys rows; these add more.
 */
const FIXTURES: Record<string, (tx: DatabaseTransactionConnection, companyId: string) => Promise<unknown>> = {
  companies: async () => undefined,
  site_keys: (tx, c) => tx.query(sql.unsafe`INSERT INTO site_keys (company_id, site_key, label) VALUES (${c}, ${generateSiteKey()}, 'extra')`),
  secret_keys: (tx, c) => {
    const k = generateSecretKey();
    return tx.query(sql.unsafe`INSERT INTO secret_keys (company_id, key_hash, key_prefix) VALUES (${c}, ${k.hash}, ${k.prefix})`);
  },
  raw_events: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO raw_events (company_id, event_id, event_name, occurred_at, source)
                        VALUES (${c}, ${randomUUID()}, 'page_view', now(), 'browser')`),
  sessions: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO sessions (company_id, session_id, started_at, last_seen_at, channel, channel_rule)
                        VALUES (${c}, ${randomUUID()}, now(), now(), 'Direct', 'no source')`),
  identity_links: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO identity_links (company_id, visitor_id, user_id, first_seen_at, last_seen_at)
                        VALUES (${c}, ${randomUUID()}, 'u-1', now(), now())`),
  suppressions: (tx, c) => tx.query(sql.unsafe`INSERT INTO suppressions (company_id, kind, value) VALUES (${c}, 'user_id', ${randomUUID()})`),
  ingest_drops: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO ingest_drops (company_id, day, reason, events) VALUES (${c}, current_date, 'bot', 1)`),
  integration_credentials: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO integration_credentials (company_id, source, key_id, iv, ciphertext, auth_tag)
                        VALUES (${c}, 'stripe', 'k', '\\x00'::bytea, '\\x00'::bytea, '\\x00'::bytea)`),
  raw_webhooks: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO raw_webhooks (company_id, source, topic, dedupe_key, key_id, body_iv, body_ciphertext, body_auth_tag, body_bytes, body_sha256)
                        VALUES (${c}, 'stripe', 'charge.succeeded', ${randomUUID()}, 'k', '\\x00'::bytea, '\\x00'::bytea, '\\x00'::bytea, 1, 'x')`),
  webhook_processing: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO webhook_processing (company_id, webhook_id, outcome)
                        SELECT company_id, webhook_id, 'ignored' FROM raw_webhooks WHERE company_id = ${c} LIMIT 1`),
  orders: (tx, c) => insertOrder(tx, c, randomUUID()),
  // its own order first: tables are visited alphabetically and order_items comes before orders
  order_items: async (tx, c) => {
    const orderId = randomUUID();
    await insertOrder(tx, c, orderId);
    return tx.query(sql.unsafe`INSERT INTO order_items (company_id, source, order_external_id, external_id, quantity, unit_price_minor, total_minor)
                               VALUES (${c}, 'woocommerce', ${orderId}, '1', 1, 100, 100)`);
  },
  refunds: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO refunds (company_id, source, external_id, amount_minor, currency, created_at)
                        VALUES (${c}, 'stripe', ${randomUUID()}, 100, 'EUR', now())`),
  payments: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO payments (company_id, source, external_id, amount_minor, currency, status, source_status, created_at)
                        VALUES (${c}, 'stripe', ${randomUUID()}, 100, 'EUR', 'succeeded', 'succeeded', now())`),
  disputes: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO disputes (company_id, source, external_id, amount_minor, currency, status, created_at)
                        VALUES (${c}, 'stripe', ${randomUUID()}, 100, 'EUR', 'needs_response', now())`),
  subscriptions: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO subscriptions (company_id, source, external_id, status, currency, mrr_minor, started_at)
                        VALUES (${c}, 'stripe', ${randomUUID()}, 'active', 'EUR', 900, now())`),
  leads: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO leads (company_id, source, kind, external_id, created_at) VALUES (${c}, 'gohighlevel', 'contact', ${randomUUID()}, now())`),
  import_cursors: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO import_cursors (company_id, source, stream, cursor, state, run_started_at)
                        VALUES (${c}, ${`woocommerce-${randomUUID()}`}, 'orders', '{}'::jsonb, 'running', now())`),
  rejected_rows: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO rejected_rows (company_id, source, stream, reason, row_sha256) VALUES (${c}, 'stripe', 'charges', 'bad', ${randomUUID()})`),
  ad_spend: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO ad_spend (company_id, platform, account_id, day, level, campaign_id, ad_id, currency, spend_micros, spend_minor, impressions, clicks)
                        VALUES (${c}, 'google_ads', '1234567890', current_date, 'ad', '1', ${randomUUID()}, 'EUR', 1000000, 100, 10, 1)`),
  // migration 0016: organic imports
  search_console_daily: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO search_console_daily (company_id, site_url, search_type, day, dimension_key, grain, query, page, clicks, impressions, ctr, position)
                        VALUES (${c}, 'sc-domain:shop.example', 'web', current_date, encode(sha256(${randomUUID()}::bytea), 'hex'), 'query_page', 'shoes', 'https://shop.example/', 1, 10, 0.1, 2.5)`),
  social_page_daily: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO social_page_daily (company_id, platform, account_id, day, reach, impressions, engagements)
                        VALUES (${c}, 'facebook', ${randomUUID()}, current_date, 10, 20, 3)`),
  conversion_forwarding_settings: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO conversion_forwarding_settings (company_id, destination, enabled, config)
                        VALUES (${c}, 'meta', true, '{"pixelId": "123"}'::jsonb) ON CONFLICT DO NOTHING`),
  conversion_outbox: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO conversion_outbox (company_id, source, external_id, destination, status, forward, reason)
                        VALUES (${c}, 'woocommerce', ${randomUUID()}, 'none', 'skipped', false, 'no_ad_platform_touch')`),
  // migration 0019: Customer Match audiences (tables are visited alphabetically: members and syncs need their settings row)
  audience_members: async (tx, c) => {
    await insertAudienceSettings(tx, c);
    return tx.query(sql.unsafe`INSERT INTO audience_members (company_id, destination, audience, email_hash, uploaded_at)
                               VALUES (${c}, 'google_ads', 'purchasers', encode(sha256(${randomUUID()}::bytea), 'hex'), now())`);
  },
  audience_settings: (tx, c) => insertAudienceSettings(tx, c),
  audience_syncs: async (tx, c) => {
    await insertAudienceSettings(tx, c);
    return tx.query(sql.unsafe`INSERT INTO audience_syncs (company_id, destination, audience, status, batch_size, finished_at)
                               VALUES (${c}, 'google_ads', 'purchasers', 'no_changes', 10000, now())`);
  },
  // its own order and attribution first (tables are visited alphabetically: attribution_paths comes before
  // both); the attribution_touches view over it is checked in its own test below
  attribution_paths: async (tx, c) => {
    const orderId = randomUUID();
    await insertOrder(tx, c, orderId);
    await insertOrderAttribution(tx, c, orderId);
    return tx.query(sql.unsafe`INSERT INTO attribution_paths (company_id, source, external_id, session_id, visitor_id, matched_by, started_at_us, channel,
                                 touch_source, touch_medium, campaign, role, reason, credit_first_touch_minor, credit_last_touch_minor, credit_linear_minor,
                                 credit_position_based_minor, credit_time_decay_minor)
                               VALUES (${c}, 'woocommerce', ${orderId}, '{s-1}', '{NULL}', '{order_visitor}', ARRAY[(extract(epoch FROM now()) * 1000000)::bigint],
                                 '{Direct}', '{(direct)}', '{(none)}', '{NULL}', '{first_last}', '{earliest_in_30d+latest_in_72h}', '{100}', '{100}', '{100}',
                                 '{100}', '{100}')`);
  },
  order_attribution: async (tx, c) => {
    const orderId = randomUUID();
    await insertOrder(tx, c, orderId);
    return insertOrderAttribution(tx, c, orderId);
  },
  dsr_requests: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO dsr_requests (company_id, action, subject_kind, subject_digest, requested_via) VALUES (${c}, 'export', 'user_id', ${'0'.repeat(64)}, 'cli')`),
  // alerts (migration 0012)
  alert_settings: (tx, c) => tx.query(sql.unsafe`INSERT INTO alert_settings (company_id, recipients) VALUES (${c}, ARRAY['team@example.com'])`),
  alert_deliveries: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO alert_deliveries (company_id, evaluation_id, day, message_id) VALUES (${c}, ${randomUUID()}, current_date, '<x@lux.test>')`),
  alerts: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO alerts (company_id, rule, day, dimension_kind, dimension_value, severity, unit, current_value, baseline_value, change,
                          title, explanation, explanation_html, dedupe_key)
                        VALUES (${c}, 'revenue_anomaly', current_date, 'overall', 'all', 'warning', 'money_minor', 1, 2, -0.5, 't', 'e', '<p>e</p>', ${randomUUID()})`),
  stack_checks: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO stack_checks (company_id, workflow_id, raw_event_count) VALUES (${c}, ${randomUUID()}, 0)`),
  // rollups (migration 0008)
  agg_daily_acquisition: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO agg_daily_acquisition (company_id, day, channel, source, medium, campaign, sessions) VALUES (${c}, current_date, 'Direct', '(direct)', '(none)', ${randomUUID()}, 1)`),
  agg_daily_traffic: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO agg_daily_traffic (company_id, day, sessions, visitors, qualified_sessions, page_views, events) VALUES (${c}, current_date, 1, 1, 0, 1, 1)`),
  agg_daily_funnel: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO agg_daily_funnel (company_id, day, step_index, step, sessions) VALUES (${c}, current_date, 1, 'page_view', 1)`),
  agg_daily_time_to_conversion: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO agg_daily_time_to_conversion (company_id, day, bucket, label, orders, total_seconds) VALUES (${c}, current_date, 1, '< 1 hour', 1, 60)`),
  agg_daily_revenue: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO agg_daily_revenue (company_id, day, currency, orders, new_customers, gross_minor, refunds, refunded_minor, reporting_currency, fx_rate_missing)
                        VALUES (${c}, current_date, 'EUR', 1, 1, 100, 0, 0, 'EUR', false)`),
  agg_daily_cohort_revenue: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO agg_daily_cohort_revenue (company_id, day, first_order_day, customers, new_customers, second_order_customers, orders, revenue_minor, revenue_fx_missing)
                        VALUES (${c}, current_date, current_date, 1, 1, 0, 1, 100, 0)`),
  agg_daily_mrr: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO agg_daily_mrr (company_id, day, currency, active_subscriptions, new_subscriptions, churned_subscriptions, mrr_minor, reporting_currency, fx_rate_missing)
                        VALUES (${c}, current_date, 'EUR', 1, 0, 0, 900, 'EUR', false)`),
  // attribution paths per day (migration 0021)
  agg_daily_attribution_paths: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO agg_daily_attribution_paths (company_id, day, first_touch_channel, last_touch_channel, currency, touch_count, orders, revenue_minor)
                        VALUES (${c}, current_date, 'Email', 'Direct', 'EUR', 1, 1, 100)`),
  rollup_runs: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO rollup_runs (company_id, day, duration_ms, rows_written, rows_total) VALUES (${c}, current_date, 1, '{}'::jsonb, 0)`),
  // rollup inputs kept by triggers (migration 0018); written directly here so the fixture does not depend on them
  session_day_events: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO session_day_events (company_id, day, session_id, sessionless, events, page_views, add_to_carts, begin_checkouts, purchases, signups, lead_submits)
                        VALUES (${c}, current_date, ${randomUUID()}, false, 1, 1, 0, 0, 0, 0, 0)`),
  // visitors per day and per (day, labels) kept by triggers on sessions (migration 0025); written directly, likewise
  visitor_days: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO visitor_days (company_id, day, visitor_id, sessions) VALUES (${c}, current_date, ${randomUUID()}, 1)`),
  visitor_day_labels: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO visitor_day_labels (company_id, day, channel, source, medium, campaign, visitor_id, sessions)
                        VALUES (${c}, current_date, 'Direct', '(direct)', '(none)', '(not set)', ${randomUUID()}, 1)`),
  customer_first_orders: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO customer_first_orders (company_id, customer_key, first_created_at, first_source, first_external_id)
                        VALUES (${c}, ${`email:${randomUUID()}`}, now(), 'woocommerce', ${randomUUID()})`),
  // per-order rollup inputs kept by triggers (migration 0020); written directly, likewise
  order_rollup_inputs: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO order_rollup_inputs (company_id, source, external_id, created_at, counted, currency, total_minor, customer_key,
                          first_order_at, earlier_orders, ft_channel, ft_source, ft_medium, ft_campaign, lt_channel, lt_source, lt_medium, lt_campaign)
                        VALUES (${c}, 'woocommerce', ${randomUUID()}, now(), true, 'EUR', 100, ${`order:woocommerce:${randomUUID()}`}, now(), 0,
                          '(unattributed)', '(none)', '(none)', '(not set)', '(unattributed)', '(none)', '(none)', '(not set)')`),
  experiments: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO experiments (company_id, name, launched_on) VALUES (${c}, ${`test ${randomUUID()}`}, current_date)`),
  // email/SMS and creatives (migration 0009)
  message_sends: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO message_sends (company_id, provider, send_id, channel, sent_at, link_ref, recorded_by)
                        VALUES (${c}, 'smtp', ${randomUUID()}, 'email', now(), ${'0'.repeat(24)}, 'send_log')`),
  message_events: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO message_events (company_id, provider, provider_event_id, channel, event_type, occurred_at, recorded_by)
                        VALUES (${c}, 'smtp', ${randomUUID()}, 'email', 'opened', now(), 'pixel')`),
  message_links: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO message_links (company_id, code, provider, send_id, channel, url)
                        VALUES (${c}, ${randomUUID().replace(/-/g, '').slice(0, 16)}, 'twilio', 'SM1', 'sms', 'https://shop.example/')`),
  agg_daily_messages: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO agg_daily_messages (company_id, day, channel, provider, campaign_id, sends, currency) VALUES (${c}, current_date, 'email', 'smtp', ${randomUUID()}, 1, 'EUR')`),
  message_order_attribution: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO message_order_attribution (company_id, order_source, order_external_id, day, provider, send_id, channel, campaign_id, clicked_at,
                          purchased_at, matched_by, currency, revenue_minor)
                        VALUES (${c}, 'woocommerce', ${randomUUID()}, current_date, 'smtp', 's1', 'email', '', now(), now(), 'recipient_hash', 'EUR', 100)`),
  creatives: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO creatives (company_id, platform, creative_id, first_seen_on) VALUES (${c}, 'meta', ${randomUUID()}, current_date)`),
  agg_daily_creatives: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO agg_daily_creatives (company_id, day, platform, creative_id, days_since_first, cumulative_impressions, currency)
                        VALUES (${c}, current_date, 'meta', ${randomUUID()}, 0, 0, 'EUR')`),
  creative_fatigue: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO creative_fatigue (company_id, platform, creative_id, as_of, status, cumulative_impressions, reason, params)
                        VALUES (${c}, 'meta', ${randomUUID()}, current_date, 'insufficient_data', 0, 'test', '{}'::jsonb)`),
  // migration 0014: admin users and the append-only audit log
  admin_users: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO admin_users (company_id, login, password_hash, role) VALUES (${c}, ${`user-${randomUUID()}`}, 'scrypt$x', 'analyst')`),
  audit_log: (tx, c) =>
    tx.query(sql.unsafe`INSERT INTO audit_log (company_id, actor_kind, actor, action, status) VALUES (${c}, 'secret_key', 'lux_sk_test', 'PATCH /admin/tracking', 200)`),
};

function insertOrder(tx: DatabaseTransactionConnection, companyId: string, externalId: string) {
  return tx.query(sql.unsafe`INSERT INTO orders (company_id, source, external_id, order_key, status, source_status, currency, total_minor, created_at)
                             VALUES (${companyId}, 'woocommerce', ${externalId}, ${externalId}, 'paid', 'processing', 'EUR', 100, now())`);
}

function insertAudienceSettings(tx: DatabaseTransactionConnection, companyId: string) {
  return tx.query(sql.unsafe`INSERT INTO audience_settings (company_id, destination, audience, enabled) VALUES (${companyId}, 'google_ads', 'purchasers', true) ON CONFLICT DO NOTHING`);
}

function insertOrderAttribution(tx: DatabaseTransactionConnection, companyId: string, externalId: string) {
  return tx.query(sql.unsafe`INSERT INTO order_attribution (company_id, source, external_id, rule_version, last_touch_rule, purchased_at, currency, revenue_minor,
                               order_updated_at, touch_count, first_touch_reason, last_touch_reason, path_digest)
                             VALUES (${companyId}, 'woocommerce', ${externalId}, 'attribution-v1', 'last_non_direct', now(), 'EUR', 100, now(), 0,
                               'no_session_in_30d', 'no_session_in_30d', 'x')`);
}

let db: TestDatabase;
let tables: string[];
let companyA: string;
let companyB: string;

const tableRow = z.object({ table_name: z.string(), rls: z.boolean(), has_company_id: z.boolean(), policies: z.coerce.number() });

beforeAll(async () => {
  db = await createTestDatabase();
  const rows = await db.ownerPool.any(sql.type(tableRow)`
    SELECT c.relname AS table_name,
           c.relrowsecurity AS rls,
           EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'company_id' AND NOT a.attisdropped) AS has_company_id,
           (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    ORDER BY c.relname`);
  tables = rows.map((r) => r.table_name).filter((t) => !NON_TENANT_TABLES.has(t));
  // Keep the metadata for the structural test.
  structure = rows.filter((r) => !NON_TENANT_TABLES.has(r.table_name));

  companyA = (await createTestCompany(db.ownerPool, 'Company A')).companyId;
  companyB = (await createTestCompany(db.ownerPool, 'Company B')).companyId;
  await db.ownerPool.transaction(async (tx) => {
    for (const table of tables) {
      const fixture = FIXTURES[table];
      if (!fixture) continue; // reported by the test below
      await fixture(tx, companyA);
      await fixture(tx, companyB);
    }
  });
});
afterAll(() => db?.drop());

let structure: z.infer<typeof tableRow>[] = [];

test('the schema has tenant tables to check', () => {
  expect(tables).toEqual(expect.arrayContaining(['companies', 'site_keys', 'secret_keys', 'raw_events']));
});

test('every tenant table has a company_id column, Row Level Security and a policy', () => {
  const offenders = structure.filter((t) => !t.has_company_id || !t.rls || t.policies === 0).map((t) => t.table_name);
  expect(offenders).toEqual([]);
});

test('every tenant table has a fixture in this test (add one when you add a table)', () => {
  expect(tables.filter((t) => !FIXTURES[t])).toEqual([]);
});

const countRow = z.object({ own: z.coerce.number(), foreign: z.coerce.number() });

test('company A sees its own rows and none of company B, in every tenant table', async () => {
  const seen: Record<string, { own: number; foreign: number }> = {};
  await withTenant(db.appPool, companyA, async (tx) => {
    for (const table of tables) {
      seen[table] = await tx.one(sql.type(countRow)`
        SELECT count(*) FILTER (WHERE company_id = ${companyA}) AS own,
               count(*) FILTER (WHERE company_id <> ${companyA}) AS foreign
        FROM ${sql.identifier([table])}`);
    }
  });
  for (const table of tables) {
    expect({ table, foreign: seen[table]?.foreign }).toEqual({ table, foreign: 0 });
    expect({ table, ownRows: (seen[table]?.own ?? 0) > 0 }).toEqual({ table, ownRows: true });
  }
});

// Views read their tables with the caller's rights only when they are security_invoker (otherwise with
// their owner's, who bypasses RLS); attribution_touches (migration 0017) is such a view over attribution_paths.
test('every view is security_invoker and security_barrier, so the RLS of its tables applies to the caller', async () => {
  const views = await db.ownerPool.any(sql.type(z.object({ view: z.string(), options: z.array(z.string()).nullable() }))`
    SELECT c.relname AS view, c.reloptions AS options FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind = 'v' ORDER BY c.relname`);
  expect(views.map((v) => v.view)).toEqual(expect.arrayContaining(['attribution_touches', 'fct_order_attribution']));
  const offenders = views.filter((v) => !(v.options ?? []).includes('security_invoker=true') || !(v.options ?? []).includes('security_barrier=true'));
  expect(offenders).toEqual([]);
});

test('company A sees its own touches and none of company B through the attribution_touches view', async () => {
  const seen = await withTenant(db.appPool, companyA, (tx) =>
    tx.one(sql.type(countRow)`
      SELECT count(*) FILTER (WHERE company_id = ${companyA}) AS own, count(*) FILTER (WHERE company_id <> ${companyA}) AS foreign FROM attribution_touches`),
  );
  expect(seen).toEqual({ own: 1, foreign: 0 });
  const outside = await db.appPool.oneFirst(sql.type(z.object({ n: z.coerce.number() }))`SELECT count(*) AS n FROM attribution_touches`);
  expect(outside).toBe(0);
});

test('outside withTenant the application role sees no tenant rows at all', async () => {
  for (const table of tables) {
    const n = await db.appPool.oneFirst(sql.type(z.object({ n: z.coerce.number() }))`
      SELECT count(*) AS n FROM ${sql.identifier([table])}`);
    expect({ table, n }).toEqual({ table, n: 0 });
  }
});

test('company A cannot write a row for company B', async () => {
  await expect(
    withTenant(db.appPool, companyA, (tx) =>
      tx.query(sql.unsafe`INSERT INTO raw_events (company_id, event_id, event_name, occurred_at, source)
                          VALUES (${companyB}, ${randomUUID()}, 'page_view', now(), 'browser')`),
    ),
  ).rejects.toThrow(/row-level security/);
});

test('a site key resolves to its own company only, and a revoked key to nothing', async () => {
  const resolved = z.object({ company_id: z.string() });
  const siteKey = generateSiteKey();
  await db.ownerPool.query(sql.unsafe`INSERT INTO site_keys (company_id, site_key) VALUES (${companyB}, ${siteKey})`);
  const hit = await db.appPool.maybeOne(sql.type(resolved)`SELECT company_id FROM resolve_site_key(${siteKey})`);
  expect(hit?.company_id).toBe(companyB);
  await db.ownerPool.query(sql.unsafe`UPDATE site_keys SET revoked_at = now() WHERE site_key = ${siteKey}`);
  expect(await db.appPool.maybeOne(sql.type(resolved)`SELECT company_id FROM resolve_site_key(${siteKey})`)).toBeNull();
});

test('a pooled connection never carries a tenant into the next query (no DISCARD ALL needed)', async () => {
  // One connection, so every query below reuses the connection the tenant was set on.
  const pool = await createDatabasePool(db.appUrl, { maximumPoolSize: 1 });
  try {
    const count = () => pool.oneFirst(sql.type(z.object({ n: z.coerce.number() }))`SELECT count(*) AS n FROM raw_events`);
    await withTenant(pool, companyA, async (tx) => {
      expect(await tx.oneFirst(sql.type(z.object({ n: z.coerce.number() }))`SELECT count(*) AS n FROM raw_events`)).toBeGreaterThan(0);
    });
    expect(await count()).toBe(0);
    await pool.query(sql.unsafe`SELECT * FROM ingest_event_batch(${companyA}, '[]'::jsonb, '[]'::jsonb)`);
    expect(await count()).toBe(0);
    await expect(withTenant(pool, companyA, async () => Promise.reject(new Error('rolled back')))).rejects.toThrow('rolled back');
    expect(await count()).toBe(0);
  } finally {
    await pool.end();
  }
});

test('fx_rates, the one shared table, carries no company data and the application role can only read it', async () => {
  const columns = await db.ownerPool.anyFirst(sql.type(z.object({ column_name: z.string() }))`
    SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'fx_rates' ORDER BY ordinal_position`);
  expect(columns).toEqual(['day', 'base_currency', 'quote_currency', 'rate', 'source', 'loaded_at']);
  await db.ownerPool.query(sql.unsafe`INSERT INTO fx_rates (day, base_currency, quote_currency, rate, source) VALUES ('2024-03-01', 'EUR', 'USD', 1.085, 'test')`);
  expect(await db.appPool.oneFirst(sql.type(z.object({ n: z.coerce.number() }))`SELECT count(*) AS n FROM fx_rates`)).toBe(1);
  await expect(withTenant(db.appPool, companyA, (tx) => tx.query(sql.unsafe`UPDATE fx_rates SET rate = 2`))).rejects.toThrow(/permission denied/);
  await expect(withTenant(db.appPool, companyA, (tx) => tx.query(sql.unsafe`INSERT INTO fx_rates (day, base_currency, quote_currency, rate, source) VALUES ('2024-03-02', 'EUR', 'USD', 9, 'x')`))).rejects.toThrow(/permission denied/);
});

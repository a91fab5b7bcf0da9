// `lux integrations set|list|schedule`: connect a vendor for a company. Credentials are validated with the
// vendor's schema, encrypted (LUX_CREDENTIALS_KEY) and stored; the hourly import schedule is registered
// in Temporal. Secrets can come from flags or, better (shell history), from a JSON file.
import { readFile } from 'node:fs/promises';
import { Client, Connection } from '@temporalio/client';
import type { Command } from 'commander';
import { sql } from 'slonik';
import { z } from 'zod';
import { INTEGRATIONS } from '../../integrations/registry';
import { AD_PLATFORMS } from '../../lib/ads/records';
import { IMPORT_STREAMS, isImportSource } from '../../lib/commerce/import-streams';
import { loadCliConfigOrExit, type CliConfig } from '../../lib/config';
import { parseCredentialsKey } from '../../lib/credentials/cipher';
import { INTEGRATION_SOURCES, listIntegrations, saveIntegrationCredentials, type IntegrationSource } from '../../lib/credentials/store';
import { createDatabasePool, type DatabasePool } from '../../lib/db/pool';
import { withTenant } from '../../lib/db/tenant';
import { ensureImportSchedule } from '../../workers/schedules';
import { registerIntegrationStatusCommand } from './integration-status';
import { printJson as print } from './options';

/** Flags per vendor → the credential field each sets (the schema in integrations/<vendor>/credentials.ts decides what is required). */
const FLAGS: Record<IntegrationSource, Array<{ flag: string; field: string; description: string; file?: true }>> = {
  woocommerce: [
    { flag: 'store-url', field: 'storeUrl', description: 'https://shop.example.com' },
    { flag: 'consumer-key', field: 'consumerKey', description: 'REST API key (ck_…)' },
    { flag: 'consumer-secret', field: 'consumerSecret', description: 'REST API secret (cs_…)' },
    { flag: 'webhook-secret', field: 'webhookSecret', description: 'the secret set on the WooCommerce webhooks' },
  ],
  shopify: [
    { flag: 'shop-domain', field: 'shopDomain', description: 'your-shop.myshopify.com' },
    { flag: 'access-token', field: 'accessToken', description: 'Admin API access token (shpat_…)' },
    { flag: 'webhook-secret', field: 'webhookSecret', description: "the app's client secret (signs webhooks)" },
    { flag: 'api-version', field: 'apiVersion', description: 'Admin API version, e.g. 2025-01' },
    { flag: 'api-base-url', field: 'apiBaseUrl', description: 'override of https://<shop domain> (tests, proxies)' },
  ],
  stripe: [
    { flag: 'api-key', field: 'apiKey', description: 'restricted key with read access (rk_…) or secret key' },
    { flag: 'webhook-secret', field: 'webhookSecret', description: 'the endpoint signing secret (whsec_…)' },
    { flag: 'api-base-url', field: 'apiBaseUrl', description: 'override of https://api.stripe.com (tests, proxies)' },
  ],
  gohighlevel: [
    { flag: 'public-key-file', field: 'publicKey', description: "PEM file of GoHighLevel's Ed25519 webhook public key", file: true },
    { flag: 'location-id', field: 'locationId', description: 'sub-account (location) id' },
  ],
  google_ads: [
    { flag: 'developer-token', field: 'developerToken', description: 'Google Ads API developer token' },
    { flag: 'client-id', field: 'clientId', description: 'OAuth client id' },
    { flag: 'client-secret', field: 'clientSecret', description: 'OAuth client secret' },
    { flag: 'refresh-token', field: 'refreshToken', description: 'OAuth refresh token with the adwords scope' },
    { flag: 'customer-ids', field: 'customerIds', description: 'ad accounts to import, comma-separated (123-456-7890,…)' },
    { flag: 'login-customer-id', field: 'loginCustomerId', description: 'manager (MCC) account id, when access goes through one' },
    { flag: 'api-version', field: 'apiVersion', description: 'Google Ads API version, e.g. v19' },
    { flag: 'api-base-url', field: 'apiBaseUrl', description: 'override of https://googleads.googleapis.com (tests, proxies)' },
    { flag: 'token-url', field: 'tokenUrl', description: 'override of https://oauth2.googleapis.com/token (tests, proxies)' },
  ],
  meta: [
    { flag: 'access-token', field: 'accessToken', description: 'system-user access token with ads_read' },
    { flag: 'ad-account-ids', field: 'adAccountIds', description: 'ad accounts to import, comma-separated (act_123,…)' },
    { flag: 'api-version', field: 'apiVersion', description: 'Graph API version, e.g. v21.0' },
    { flag: 'api-base-url', field: 'apiBaseUrl', description: 'override of https://graph.facebook.com (tests, proxies)' },
  ],
  tiktok: [
    { flag: 'access-token', field: 'accessToken', description: 'TikTok Business API access token' },
    { flag: 'advertiser-ids', field: 'advertiserIds', description: 'advertiser accounts to import, comma-separated' },
    { flag: 'api-base-url', field: 'apiBaseUrl', description: 'override of https://business-api.tiktok.com (tests, proxies)' },
  ],
  gsc: [
    { flag: 'client-id', field: 'clientId', description: 'OAuth client id' },
    { flag: 'client-secret', field: 'clientSecret', description: 'OAuth client secret' },
    { flag: 'refresh-token', field: 'refreshToken', description: 'OAuth refresh token with the webmasters.readonly scope' },
    { flag: 'site-urls', field: 'siteUrls', description: 'properties to import, comma-separated (https://example.com/,sc-domain:example.com)' },
    { flag: 'search-type', field: 'searchType', description: 'web (default), image, video, news, discover, googleNews' },
    { flag: 'data-state', field: 'dataState', description: 'all (default: fresh days too, re-read until final) or final' },
    { flag: 'api-base-url', field: 'apiBaseUrl', description: 'override of https://www.googleapis.com (tests, proxies)' },
    { flag: 'token-url', field: 'tokenUrl', description: 'override of https://oauth2.googleapis.com/token (tests, proxies)' },
  ],
  meta_pages: [
    { flag: 'access-token', field: 'accessToken', description: 'Page (or assigned system-user) token with read_insights, pages_read_engagement, instagram_manage_insights' },
    { flag: 'facebook-page-ids', field: 'facebookPageIds', description: 'Facebook Page ids, comma-separated' },
    { flag: 'instagram-account-ids', field: 'instagramAccountIds', description: 'Instagram professional account (IG user) ids, comma-separated' },
    { flag: 'api-version', field: 'apiVersion', description: 'Graph API version, e.g. v21.0' },
    { flag: 'api-base-url', field: 'apiBaseUrl', description: 'override of https://graph.facebook.com (tests, proxies)' },
  ],
  x: [
    { flag: 'bearer-token', field: 'bearerToken', description: 'X API v2 bearer token' },
    { flag: 'user-ids', field: 'userIds', description: 'numeric X user ids, comma-separated' },
    { flag: 'api-base-url', field: 'apiBaseUrl', description: 'override of https://api.x.com (tests, proxies)' },
  ],
  ga4: [
    { flag: 'measurement-id', field: 'measurementId', description: 'the web stream measurement id (G-…)' },
    { flag: 'api-secret', field: 'apiSecret', description: 'a Measurement Protocol API secret of that stream' },
    { flag: 'api-base-url', field: 'apiBaseUrl', description: 'override of https://www.google-analytics.com (tests, proxies)' },
  ],
  mailgun: [{ flag: 'webhook-signing-key', field: 'webhookSigningKey', description: 'HTTP webhook signing key (Mailgun: Sending → Webhooks)' }],
  twilio: [
    { flag: 'auth-token', field: 'authToken', description: 'the account Auth Token (signs X-Twilio-Signature)' },
    { flag: 'account-sid', field: 'accountSid', description: 'account SID (AC…): refuse requests for other accounts' },
    { flag: 'public-base-url', field: 'publicBaseUrl', description: "the collector's public URL as Twilio calls it (behind a rewriting proxy)" },
  ],
};

/** Import-only organic vendors: no webhook URL to configure. */
const ORGANIC_SOURCES: readonly string[] = ['gsc', 'meta_pages', 'x'];
/** Vendors that send LUX nothing: no webhook URL to print. */
const NO_WEBHOOKS: readonly string[] = [...AD_PLATFORMS, ...ORGANIC_SOURCES, 'ga4'];

const camel = (flag: string): string => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

async function withPool<T>(config: CliConfig, work: (pool: DatabasePool) => Promise<T>): Promise<T> {
  const pool = await createDatabasePool(config.DATABASE_URL, { maximumPoolSize: 1 });
  try {
    return await work(pool);
  } finally {
    await pool.end();
  }
}

export async function withTemporalClient<T>(config: CliConfig, work: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS, connectTimeout: '5 seconds' });
  try {
    return await work(new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }));
  } finally {
    await connection.close();
  }
}

async function companyTimeZone(pool: DatabasePool, companyId: string): Promise<string> {
  return withTenant(pool, companyId, (tx) =>
    tx.oneFirst(sql.type(z.object({ time_zone: z.string() }))`SELECT time_zone FROM companies WHERE company_id = ${companyId}`),
  );
}

async function registerSchedule(config: CliConfig, pool: DatabasePool, companyId: string, source: IntegrationSource): Promise<string> {
  if (!isImportSource(source)) return 'none (this vendor has no imports)';
  const timeZone = await companyTimeZone(pool, companyId);
  try {
    return await withTemporalClient(config, (client) => ensureImportSchedule(client, { companyId, source, timeZone }));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `not registered: Temporal at ${config.TEMPORAL_ADDRESS} is unreachable (${reason}); run \`lux integrations schedule ${source} --company ${companyId}\` once it is up`;
  }
}

export function registerIntegrationCommands(program: Command): void {
  const integrations = program.command('integrations').description('connect store, payment, CRM and ad platform vendors');
  registerIntegrationStatusCommand(integrations); // lux integrations status --company <id>

  const set = integrations.command('set').alias('connect').description('store (encrypted) the credentials of a vendor for a company and schedule its imports');
  for (const source of INTEGRATION_SOURCES) {
    const command = set.command(source).requiredOption('--company <id>').option('--json-file <path>', 'read the credentials from a JSON file (keeps secrets out of shell history)');
    for (const f of FLAGS[source]) command.option(`--${f.flag} <value>`, f.description);
    command.action(async (options: Record<string, string | undefined>) => {
      const config = loadCliConfigOrExit();
      const key = parseCredentialsKey(config.LUX_CREDENTIALS_KEY);
      const companyId = options.company ?? '';
      const credentials: Record<string, unknown> = options.jsonFile ? (JSON.parse(await readFile(options.jsonFile, 'utf8')) as Record<string, unknown>) : {};
      for (const f of FLAGS[source]) {
        const value = options[camel(f.flag)];
        if (value !== undefined) credentials[f.field] = f.file ? await readFile(value, 'utf8') : value;
      }
      await withPool(config, async (pool) => {
        await saveIntegrationCredentials(pool, key, companyId, source, INTEGRATIONS[source].credentialsSchema, credentials);
        const schedule = await registerSchedule(config, pool, companyId, source);
        print({ ok: true, company: companyId, integration: source, stored: 'encrypted', importSchedule: schedule, webhookUrl: NO_WEBHOOKS.includes(source) ? null : `<collector>/webhooks/${source}/<site key>` });
      });
    });
  }

  integrations
    .command('schedule')
    .description('(re)register the hourly import schedule of a connected vendor')
    .argument('<vendor>', `a vendor with imports: ${Object.keys(IMPORT_STREAMS).join(', ')}`)
    .requiredOption('--company <id>')
    .action(async (vendor: string, options: { company: string }) => {
      if (!isImportSource(vendor)) throw new Error(`${vendor} has no imports (expected ${Object.keys(IMPORT_STREAMS).join(', ')})`);
      const config = loadCliConfigOrExit();
      await withPool(config, async (pool) => {
        const timeZone = await companyTimeZone(pool, options.company);
        const result = await withTemporalClient(config, (client) => ensureImportSchedule(client, { companyId: options.company, source: vendor, timeZone }));
        print({ ok: true, schedule: result });
      });
    });

  integrations
    .command('list')
    .requiredOption('--company <id>')
    .action(async (options: { company: string }) => {
      const config = loadCliConfigOrExit();
      print(await withPool(config, (pool) => listIntegrations(pool, options.company)));
    });
}

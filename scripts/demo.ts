// `npm run demo`: fills the running local stack (`npm start` in another terminal) with 90 days of a
// generated storefront's history for the demo company, through the real paths, then runs attribution,
// rollups and alert evaluation through Temporal. docs/demo.md describes every step.
//
//   npm run demo -- [--days 90] [--seed 20261] [--sessions-per-day 500] [--live-days 2] [--skip-load] [--no-smtp-sink]
//
// Settings are read as `npm start` wrote them: DATABASE_URL (default: the server on 127.0.0.1:5432, else
// the embedded one on 54329; database LUX_DATABASE_NAME or lux), LUX_CREDENTIALS_KEY (default: from
// LUX_DATA_DIR/secrets.json), TEMPORAL_ADDRESS (default 127.0.0.1:7233), the collector at
// LUX_COLLECTOR_URL (default http://COLLECTOR_HOST:COLLECTOR_PORT, 127.0.0.1:8080).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Command } from 'commander';
import { sql } from 'slonik';
import { SMTPServer } from 'smtp-server';
import { z } from 'zod';
import { wooCommerceCredentialsSchema } from '../integrations/woocommerce/credentials';
import { parseCredentialsKey } from '../lib/credentials/cipher';
import { CredentialsNotFoundError, loadIntegrationCredentials, saveIntegrationCredentials } from '../lib/credentials/store';
import { createDatabasePool, type DatabasePool } from '../lib/db/pool';
import { withTenant } from '../lib/db/tenant';
import { generateStorefront, funnelCounts } from '../lib/demo/generator';
import { deliverWooCommerceOrders, insertAdSpend, insertMessages, loadEventsBulk, postEvents, saveOrdersBulk } from '../lib/demo/load';
import { generateSecretKey } from '../lib/keys';
import { TASK_QUEUES } from '../lib/task-queues';
import { evaluateAlertsWorkflowId } from '../lib/workflow-ids';
import { startAttributeOrdersWorkflow } from '../workers/start-attribution';
import { startRollupBackfillWorkflow } from '../workers/start-rollups';
import type { evaluateAlertsWorkflow } from '../workflows/evaluate-alerts';
import { CompanyIdKey } from '../workflows/search-attributes';

const root = path.resolve(__dirname, '..');
const dataDir = path.resolve(process.env.LUX_DATA_DIR ?? path.join(root, '.lux'));
const DEMO_STORE_URL = 'https://demo-store.lux.localhost';
const DEMO_RECIPIENT = 'owner@demo-store.lux.localhost';
const started = Date.now();
const say = (message: string): void => void process.stdout.write(`[demo ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);

/** A path relative to the repository when it is inside it (.lux/…), else absolute. */
const shown = (file: string): string => (path.relative(root, file).startsWith('..') ? file : path.relative(root, file));

function progress(label: string): (done: number, total: number) => void {
  let lastShown = -1;
  return (done, total) => {
    const pct = Math.floor((done / Math.max(1, total)) * 100);
    if (pct >= lastShown + 10 || done === total) {
      lastShown = pct;
      say(`  ${label}: ${done.toLocaleString('en')} / ${total.toLocaleString('en')} (${pct} %)`);
    }
  };
}

async function isListening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function ownerDatabaseUrl(): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const name = process.env.LUX_DATABASE_NAME ?? 'lux';
  if (await isListening('127.0.0.1', 5432)) return `postgres://postgres@127.0.0.1:5432/${name}`;
  if (await isListening('127.0.0.1', 54329)) return `postgres://postgres:postgres@127.0.0.1:54329/${name}`;
  throw new Error('no Postgres found (DATABASE_URL, 127.0.0.1:5432, embedded 54329): start the stack with `npm start` first');
}

async function localSecret(env: string, field: 'credentialsKey' | 'ipHashSecret'): Promise<string> {
  const fromEnv = process.env[env];
  if (fromEnv) return fromEnv;
  const file = path.join(dataDir, 'secrets.json');
  if (!existsSync(file)) throw new Error(`${env} is not set and ${file} does not exist: run \`npm start\` first`);
  const secrets = z.object({ credentialsKey: z.string(), ipHashSecret: z.string() }).parse(JSON.parse(await readFile(file, 'utf8')));
  return secrets[field];
}

const demoRow = z.object({ company_id: z.string().uuid(), site_key: z.string(), time_zone: z.string(), reporting_currency: z.string() });

async function findDemoCompany(pool: DatabasePool) {
  const row = await pool.maybeOne(sql.type(demoRow)`
    SELECT c.company_id, k.site_key, c.time_zone, c.reporting_currency FROM companies c JOIN site_keys k USING (company_id)
    WHERE c.settings ->> 'demo' = 'true' AND k.revoked_at IS NULL
    ORDER BY c.created_at, k.created_at LIMIT 1`);
  if (!row) throw new Error('no demo company found: `npm start` creates it on its first run');
  return row;
}

/** A secret key for the demo (ingest: backfilled events; admin: the dashboards sign-in). Shown once. */
async function mintDemoKey(pool: DatabasePool, companyId: string): Promise<string> {
  const secret = generateSecretKey();
  await pool.query(sql.unsafe`
    INSERT INTO secret_keys (company_id, key_hash, key_prefix, label, scopes)
    VALUES (${companyId}, ${secret.hash}, ${secret.prefix}, 'demo', ${sql.array(['ingest', 'admin'], 'text')})`);
  return secret.key;
}

/** The demo company's WooCommerce connection (as `lux integrations set woocommerce` stores it); kept if present. */
async function ensureWooCommerce(pool: DatabasePool, keyText: string, companyId: string): Promise<string> {
  const key = parseCredentialsKey(keyText);
  try {
    const existing = await loadIntegrationCredentials(pool, key, companyId, 'woocommerce', wooCommerceCredentialsSchema);
    return existing.webhookSecret;
  } catch (error) {
    if (!(error instanceof CredentialsNotFoundError)) throw error;
  }
  const credentials = {
    storeUrl: DEMO_STORE_URL,
    consumerKey: `ck_${randomBytes(20).toString('hex')}`,
    consumerSecret: `cs_${randomBytes(20).toString('hex')}`,
    webhookSecret: randomBytes(24).toString('base64url'),
  };
  await saveIntegrationCredentials(pool, key, companyId, 'woocommerce', wooCommerceCredentialsSchema, credentials);
  return credentials.webhookSecret;
}

async function waitForOrders(pool: DatabasePool, companyId: string, orderIds: string[], refunds: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const row = await withTenant(pool, companyId, (tx) =>
      tx.one(sql.type(z.object({ orders: z.number(), refunds: z.number() }))`
        SELECT (SELECT count(*)::int FROM orders WHERE company_id = ${companyId} AND source = 'woocommerce' AND external_id = ANY(${sql.array(orderIds, 'text')})) AS orders,
               (SELECT count(*)::int FROM refunds WHERE company_id = ${companyId} AND source = 'woocommerce' AND order_external_id = ANY(${sql.array(orderIds, 'text')})) AS refunds`),
    );
    const line = `orders stored by the webhook workflows: ${row.orders} / ${orderIds.length}, refunds ${row.refunds} / ${refunds}`;
    if (line !== last) say(`  ${line}`);
    last = line;
    if (row.orders >= orderIds.length && row.refunds >= refunds) return;
    if (Date.now() > deadline) throw new Error(`webhook processing did not finish within ${timeoutMs / 1000} s (${line}); is the imports worker running?`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/**
 * A local mailbox when nothing listens on the workers' SMTP address (SMTP_URL, default 127.0.0.1:1025,
 * where docker compose runs Mailpit): mails saved as .eml files. Only for a local address.
 */
async function startSmtpSink(dir: string): Promise<{ server: SMTPServer; port: number } | undefined> {
  const url = new URL(process.env.SMTP_URL ?? 'smtp://127.0.0.1:1025');
  const port = Number(url.port || 25);
  if (!['127.0.0.1', 'localhost'].includes(url.hostname) || (await isListening('127.0.0.1', port))) return undefined;
  await mkdir(dir, { recursive: true });
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const parts: Buffer[] = [];
      stream.on('data', (c: Buffer) => parts.push(c));
      stream.on('end', () => {
        const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${session.id}.eml`);
        writeFile(file, Buffer.concat(parts)).then(
          () => {
            say(`  mail received → ${shown(file)}`);
            callback();
          },
          (error: unknown) => callback(error as Error),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { server, port };
}

type Options = { days: string; seed: string; sessionsPerDay: string; liveDays: string; skipLoad?: boolean; smtpSink: boolean };

async function main(o: Options): Promise<void> {
  const days = Number(o.days);
  const seed = Number(o.seed);
  const sessionsPerDay = Number(o.sessionsPerDay);
  const liveDays = Number(o.liveDays);
  if (!Number.isInteger(liveDays) || liveDays < 0) throw new Error('--live-days must be a whole number ≥ 0');
  if (!Number.isInteger(days) || days < 1 || days > 400) throw new Error('--days must be 1..400');
  const collectorUrl = (process.env.LUX_COLLECTOR_URL ?? `http://${process.env.COLLECTOR_HOST ?? '127.0.0.1'}:${process.env.COLLECTOR_PORT ?? '8080'}`).replace(/\/+$/, '');
  const temporalAddress = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';

  say(`checking the stack: collector ${collectorUrl}, Temporal ${temporalAddress}`);
  const ready = await fetch(`${collectorUrl}/readyz`, { signal: AbortSignal.timeout(3000) }).catch(() => undefined);
  if (!ready?.ok) throw new Error(`the collector at ${collectorUrl} is not ready: start the stack with \`npm start\` first`);
  const pool = await createDatabasePool(await ownerDatabaseUrl(), { maximumPoolSize: 3 });
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection, namespace });
  let smtp: { server: SMTPServer; port: number } | undefined;
  try {
    const company = await findDemoCompany(pool);
    const companyId = company.company_id;
    say(`demo company ${companyId} (${company.time_zone}, ${company.reporting_currency})`);

    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    say(`generating ${days} days ending ${yesterday} (seed ${seed}, ~${sessionsPerDay} sessions a day)…`);
    const data = generateStorefront({ seed, days, lastDay: yesterday, sessionsPerDay, currency: company.reporting_currency, storeUrl: DEMO_STORE_URL });
    const [, carts, checkouts, purchases] = funnelCounts(data);
    say(`  ${data.events.length.toLocaleString('en')} events, ${data.sessions.length.toLocaleString('en')} sessions (${carts} carts, ${checkouts} checkouts, ${purchases} purchases), ${data.orders.length} orders (${data.orders.filter((x) => x.refunds.length > 0).length} refunded), ${data.spend.length} ad spend rows, ${data.messages.length.toLocaleString('en')} email/SMS sends`);
    for (const a of data.anomalies) say(`  planted anomaly ${a.kind} on ${a.day}: ${a.description}`);

    const from = data.days[0]!;
    const to = data.days.at(-1)!;
    if (!o.skipLoad) {
      const secretKey = await mintDemoKey(pool, companyId);
      const webhookSecret = await ensureWooCommerce(pool, await localSecret('LUX_CREDENTIALS_KEY', 'credentialsKey'), companyId);

      // The last --live-days go through the collector and signed webhooks; older history through the bulk path.
      const liveFrom = `${data.days[Math.max(0, data.days.length - liveDays)]!}T00:00:00.000Z`;
      const liveEvents = data.events.filter((e) => e.occurred_at >= liveFrom);
      const liveOrders = data.orders.filter((x) => x.createdAt >= liveFrom);
      const historyEvents = data.events.filter((e) => e.occurred_at < liveFrom);
      const historyOrders = data.orders.filter((x) => x.createdAt < liveFrom);

      say(`1/6 history before ${liveFrom.slice(0, 10)} → bulk path (prepareEvent + ingest_event_batch; WooCommerce JSON normalised and saved as the webhook workflow does)`);
      const bulkStored = await loadEventsBulk(pool, companyId, await localSecret('IP_HASH_SECRET', 'ipHashSecret'), historyEvents, progress('events (bulk)'));
      await saveOrdersBulk(pool, companyId, historyOrders, DEMO_STORE_URL, progress('orders (bulk)'));
      say(`  ${bulkStored} events newly stored (${historyEvents.length - bulkStored} already there), ${historyOrders.length} orders saved`);

      say(`2/6 the last ${liveDays} day(s) → the real paths: POST /e/batch with a secret key (server-side source, past times kept), signed WooCommerce webhooks`);
      const posted = await postEvents(collectorUrl, secretKey, liveEvents, { onProgress: progress('events (collector)') });
      say(`  accepted ${posted.accepted}, duplicates ${posted.duplicates} (an earlier run), rejected ${posted.rejected}`);
      const delivered = await deliverWooCommerceOrders(collectorUrl, company.site_key, webhookSecret, liveOrders, { storeUrl: DEMO_STORE_URL, onProgress: progress('webhooks') });
      say(`  ${delivered.stored} webhooks stored, ${delivered.duplicates} redeliveries`);
      const refundCount = liveOrders.reduce((s, x) => s + x.refunds.length, 0);
      await waitForOrders(pool, companyId, liveOrders.map((x) => String(x.orderId)), refundCount, 15 * 60_000);

      say('3/6 ad spend and email/SMS sends → bulk inserts (the tables the ad and messaging imports fill)');
      const spendRows = await withTenant(pool, companyId, (tx) => insertAdSpend(tx, companyId, data.spend));
      const [sends, messageEvents] = await withTenant(pool, companyId, (tx) => insertMessages(tx, companyId, data.messages));
      say(`  ${spendRows} ad spend rows, ${sends} sends, ${messageEvents} message events`);

      await withTenant(pool, companyId, async (tx) => {
        await tx.query(sql.unsafe`INSERT INTO alert_settings (company_id) VALUES (${companyId}) ON CONFLICT (company_id) DO NOTHING`);
        await tx.query(sql.unsafe`
          UPDATE alert_settings SET updated_at = now(), recipients = ARRAY(SELECT DISTINCT r FROM unnest(recipients || ${sql.array([DEMO_RECIPIENT], 'text')}) r ORDER BY r)
          WHERE company_id = ${companyId}`);
      });
      say(`  alert recipient ${DEMO_RECIPIENT}`);
      // Fresh statistics after the bulk load: without them the attribution reads planned for empty
      // tables (a 2,000-order batch took ~50 s instead of a second on the first run).
      await pool.query(sql.unsafe`ANALYZE`);
      say('  ANALYZE done');
      say(`  dashboards sign-in key (shown once): ${secretKey}`);
    }

    say(`4/6 attribution backfill through Temporal (${from} … ${to})`);
    const attribution = await startAttributeOrdersWorkflow(client, { companyId, from: `${from}T00:00:00Z`, to: new Date().toISOString() });
    say(`  workflow ${attribution.workflowId}`);
    const attributed = await attribution.result();
    say(`  done: ${JSON.stringify(attributed).slice(0, 300)}`);

    say(`5/6 rollup backfill through Temporal (${from} … ${to})`);
    const rollups = await startRollupBackfillWorkflow(client, { companyId, from, to });
    say(`  workflow ${rollups.workflowId}`);
    const rolled = await rollups.result();
    say(`  done: ${JSON.stringify(rolled).slice(0, 300)}`);

    say(`6/6 alert evaluation for ${to} through Temporal`);
    if (o.smtpSink) smtp = await startSmtpSink(path.join(dataDir, 'mailbox'));
    if (smtp) say(`  local mailbox: SMTP sink on 127.0.0.1:${smtp.port} → ${path.join(dataDir, 'mailbox')}`);
    const evaluation = await client.workflow.execute<typeof evaluateAlertsWorkflow>('evaluateAlertsWorkflow', {
      workflowId: `${evaluateAlertsWorkflowId(companyId, to)}:demo-${Date.now()}`,
      taskQueue: TASK_QUEUES.analytics,
      args: [{ companyId, day: to }],
      typedSearchAttributes: [{ key: CompanyIdKey, value: companyId }],
    });
    for (const fired of evaluation.fired) say(`  fired ${fired.severity} ${fired.rule} (${fired.dimension})`);
    say(`  delivery: ${JSON.stringify(evaluation.delivery)}`);
    // The mail is handed over by the notifications worker inside the workflow; give the sink a moment.
    if (smtp) await new Promise((r) => setTimeout(r, 1500));

    say('');
    say('Done. Where to look:');
    say(`  dashboards    ${collectorUrl}/dashboards   (sign in with the demo key printed above)`);
    say(`  Temporal UI   http://localhost:${process.env.TEMPORAL_UI_PORT ?? '8233'}/namespaces/${namespace}/workflows`);
    say(smtp ? `  mailbox       ${shown(path.join(dataDir, 'mailbox'))}/*.eml` : '  mailbox       Mailpit http://localhost:8025 (or the SMTP server in SMTP_URL)');
  } finally {
    await new Promise<void>((resolve) => (smtp ? smtp.server.close(() => resolve()) : resolve()));
    await connection.close();
    await pool.end();
  }
}

const program = new Command('demo')
  .description('load generated history for the demo company into the running stack and run the pipelines')
  .option('--days <n>', 'days of history', '90')
  .option('--seed <n>', 'generator seed', '20261')
  .option('--sessions-per-day <n>', 'average sessions a day', '500')
  .option('--live-days <n>', 'last days sent through the collector and signed webhooks (older: bulk path)', '2')
  .option('--skip-load', 'only run attribution, rollups and alerts over what is loaded')
  .option('--no-smtp-sink', 'do not start a local SMTP sink on 127.0.0.1:1025 when none is running')
  .action(main);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

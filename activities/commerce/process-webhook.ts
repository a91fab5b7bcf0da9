// Activity: turn one stored raw webhook into orders/payments/leads. Idempotent: a webhook that already has
// a webhook_processing row returns that outcome, and every write is an upsert, so a retry after a crash
// between commit and completion changes nothing.
import { sql } from 'slonik';
import { z } from 'zod';
import { integrationFor } from '../../integrations/registry';
import { loadIntegrationCredentials } from '../../lib/credentials/store';
import { openBytes, parseCredentialsKey, webhookBodyContext, type CredentialsKey } from '../../lib/credentials/cipher';
import type { DatabasePool } from '../../lib/db/pool';
import { withTenant, type TenantTransaction } from '../../lib/db/tenant';
import type { NormaliseResult } from '../../lib/commerce/records';
import type { Logger } from '../../lib/logger';
import { parseActivityInput } from '../support/parse-input';
import { toActivityFailure } from '../support/vendor-failures';
import { emptyCounts, saveCommerceRecords, saveRejectedRow, type SaveCounts } from './save-records';

export const processWebhookInput = z.object({ companyId: z.string().uuid(), webhookId: z.number().int().positive(), workflowId: z.string().nullable() });
export type ProcessWebhookInput = z.infer<typeof processWebhookInput>;

export type ProcessWebhookResult = {
  webhookId: number;
  source: string;
  topic: string;
  outcome: 'stored' | 'rejected' | 'ignored';
  detail: string | null;
  counts: SaveCounts;
  /** The orders this delivery stored (the workflow starts their attribution); absent when nothing was stored now. */
  orders?: Array<{ source: string; externalId: string }>;
};

const rawWebhookRow = z.object({
  received_at: z.number(),
  source: z.string(),
  topic: z.string(),
  dedupe_key: z.string(),
  key_id: z.string(),
  body_iv: z.instanceof(Buffer),
  body_ciphertext: z.instanceof(Buffer),
  body_auth_tag: z.instanceof(Buffer),
});
const processedRow = z.object({ outcome: z.enum(['stored', 'rejected', 'ignored']), detail: z.string().nullable() });

export async function processStoredWebhook(deps: { appPool: DatabasePool; logger: Logger; credentialsKey?: CredentialsKey }, rawInput: unknown): Promise<ProcessWebhookResult> {
  const input = parseActivityInput(processWebhookInput, rawInput);
  try {
    return await processWebhookInTransaction(deps, input);
  } catch (error) {
    throw toActivityFailure(error);
  }
}

type Deps = { appPool: DatabasePool; logger: Logger; credentialsKey?: CredentialsKey };

/**
 * Three steps: read the raw row (short transaction), interpret it (decrypt, and for Stripe fetch what
 * the event does not carry, outside any transaction so a slow vendor holds no connection), then store
 * the records and the outcome in one transaction that re-checks nobody finished it meanwhile.
 */
async function processWebhookInTransaction(deps: Deps, input: ProcessWebhookInput): Promise<ProcessWebhookResult> {
  const { companyId, webhookId } = input;
  const loaded = await withTenant(deps.appPool, companyId, async (tx) => {
    const raw = await tx.maybeOne(sql.type(rawWebhookRow)`
      SELECT received_at, source, topic, dedupe_key, key_id, body_iv, body_ciphertext, body_auth_tag FROM raw_webhooks
      WHERE company_id = ${companyId} AND webhook_id = ${webhookId}`);
    if (!raw) throw new Error(`raw webhook ${webhookId} of company ${companyId} does not exist`);
    return { raw, done: await findOutcome(tx, companyId, webhookId) };
  });
  const { raw } = loaded;
  if (loaded.done) return { webhookId, source: raw.source, topic: raw.topic, ...loaded.done, counts: emptyCounts() };

  const result = await interpret(deps, companyId, webhookId, raw);

  return withTenant(deps.appPool, companyId, async (tx) => {
    // Serialise concurrent attempts on the same webhook (a retry racing a slow first attempt).
    await tx.query(sql.unsafe`SELECT pg_advisory_xact_lock(hashtextextended(${`${companyId}:webhook:${webhookId}`}, 0))`);
    const done = await findOutcome(tx, companyId, webhookId);
    if (done) return { webhookId, source: raw.source, topic: raw.topic, ...done, counts: emptyCounts() };

    let outcome: ProcessWebhookResult['outcome'];
    let detail: string | null = null;
    let counts = emptyCounts();
    if (result.ok) {
      counts = await saveCommerceRecords(tx, companyId, result.records, webhookId);
      outcome = result.records.length > 0 ? 'stored' : 'ignored';
      if (result.records.length === 0) detail = `topic ${raw.topic} carries no revenue record (kept raw only)`;
    } else {
      outcome = 'rejected';
      detail = result.rejected.reason;
      await saveRejectedRow(tx, companyId, { source: raw.source, stream: 'webhook', webhookId }, result.rejected);
      deps.logger.warn({ company_id: companyId, webhook_id: webhookId, source: raw.source, topic: raw.topic, reason: detail }, 'webhook rejected by normalisation');
    }
    const records = Object.values(counts).reduce((a, b) => a + b, 0);
    await tx.query(sql.unsafe`
      INSERT INTO webhook_processing (company_id, webhook_id, workflow_id, outcome, records, detail)
      VALUES (${companyId}, ${webhookId}, ${input.workflowId}, ${outcome}, ${records}, ${detail})`);
    deps.logger.info({ company_id: companyId, webhook_id: webhookId, source: raw.source, topic: raw.topic, outcome, counts }, 'webhook processed');
    const orders = result.ok ? result.records.flatMap((r) => (r.kind === 'order' ? [{ source: r.order.source, externalId: r.order.externalId }] : [])) : [];
    return { webhookId, source: raw.source, topic: raw.topic, outcome, detail, counts, orders };
  });
}

async function findOutcome(tx: TenantTransaction, companyId: string, webhookId: number) {
  return tx.maybeOne(sql.type(processedRow)`
    SELECT outcome, detail FROM webhook_processing WHERE company_id = ${companyId} AND webhook_id = ${webhookId}`);
}

/** Decrypts the body and normalises it with the vendor's rules (network reads allowed here). */
async function interpret(deps: Deps, companyId: string, webhookId: number, raw: z.infer<typeof rawWebhookRow>): Promise<NormaliseResult> {
  const integration = integrationFor(raw.source);
  if (!integration) return { ok: false, rejected: { externalId: null, reason: `no integration named ${raw.source}`, raw: null } };
  // Throws (non-retryable, see toActivityFailure) when the key is missing or not the one it was sealed with.
  const key = deps.credentialsKey ?? parseCredentialsKey(undefined);
  const body = openBytes(
    key,
    webhookBodyContext(companyId, raw.source, raw.dedupe_key),
    { keyId: raw.key_id, iv: raw.body_iv, ciphertext: raw.body_ciphertext, authTag: raw.body_auth_tag },
    `raw webhook ${webhookId} of company ${companyId}`,
  );
  let payload: unknown;
  try {
    payload = integration.parseBody ? integration.parseBody(body) : JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, rejected: { externalId: null, reason: integration.parseBody ? 'body cannot be read' : 'body is not JSON', raw: null } };
  }
  const credentials: unknown = await loadIntegrationCredentials(deps.appPool, key, companyId, integration.source, integration.credentialsSchema);
  const prepared = integration.prepareWebhook ? await integration.prepareWebhook(raw.topic, payload, credentials) : payload;
  return integration.normaliseWebhook(raw.topic, prepared, credentials, { receivedAt: new Date(raw.received_at).toISOString() });
}

const pendingRow = z.object({ company_id: z.string(), webhook_id: z.coerce.number() });

/**
 * Raw webhooks that were stored but never processed (Temporal was unreachable when they arrived, so the
 * collector could not start their workflow). Returned oldest first for the sweep to process.
 */
export async function findUnprocessedWebhooks(deps: { appPool: DatabasePool }, companyId: string, olderThanSeconds: number, limit: number): Promise<number[]> {
  const rows = await withTenant(deps.appPool, companyId, (tx) =>
    tx.any(sql.type(pendingRow)`
      SELECT w.company_id, w.webhook_id FROM raw_webhooks w
      WHERE w.company_id = ${companyId} AND w.received_at < now() - make_interval(secs => ${olderThanSeconds})
        AND NOT EXISTS (SELECT 1 FROM webhook_processing p WHERE p.company_id = w.company_id AND p.webhook_id = w.webhook_id)
      ORDER BY w.webhook_id LIMIT ${limit}`),
  );
  return rows.map((r) => r.webhook_id);
}

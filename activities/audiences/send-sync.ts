// sendAudienceSync: delivers one planned audience sync to Google Ads, step by step, writing down each
// step's outcome before taking the next, so a retry (Temporal's, after a 429/5xx/timeout, or a worker
// crash) resumes where the last attempt stopped:
//   1. the customer list: created once per audience (its resource name is kept in audience_settings);
//      a create whose answer was lost is found again by its name;
//   2. removals, then additions, each as one offline user data job: created once (resource name kept),
//      then its batches of ≤ batch_size identifiers, each counted as sent once Google accepted it (a
//      batch Google accepted is never sent again), then run once;
//   3. the member rows are committed: removed members' rows deleted, added ones marked uploaded.
// Operations Google refuses one by one (partialFailureError) are recorded with the sync and left out of
// the commit (a refused addition is planned again next time). One attempt at a time per sync: a claim
// on the row, released at the end of the attempt (or expiring, if the worker died).
import { sql } from 'slonik';
import { z } from 'zod';
import { googleAdsCredentialsSchema } from '../../integrations/google-ads/credentials';
import { createCustomerMatchClient, UserListNameTakenError, type CustomerMatchClient } from '../../integrations/google-ads/customer-match';
import { googleErrorCodes } from '../../integrations/google-ads/client';
import { VendorHttpError, VendorResponseError } from '../../integrations/http';
import { batchesOf } from '../../lib/audiences/diff';
import { addOperationsBody, createJobBody, createUserListBody, failedOperationIndexes, type JobKind } from '../../lib/audiences/payloads';
import { audienceConfigSchema, userListName, type Audience } from '../../lib/audiences/settings';
import type { CredentialsKey } from '../../lib/credentials/cipher';
import { CredentialsNotFoundError, loadIntegrationCredentials } from '../../lib/credentials/store';
import type { DatabasePool } from '../../lib/db/pool';
import { withTenant } from '../../lib/db/tenant';
import type { Logger } from '../../lib/logger';
import { toActivityFailure } from '../support/vendor-failures';

export type SendSyncInput = { companyId: string; syncId: string };
export type SendSyncResult = { syncId: string; status: string; adds: number; removes: number; refused: number; attempts: number; detail: string | null };
export type SendSyncDeps = { appPool: DatabasePool; logger: Logger; credentialsKey?: CredentialsKey | undefined; requestTimeoutMs: number; claimSeconds: number };

const claimedRow = z.object({
  destination: z.string(),
  audience: z.string(),
  status: z.string(),
  adds: z.number(),
  removes: z.number(),
  batch_size: z.number(),
  remove_job: z.string().nullable(),
  remove_batches_sent: z.number(),
  remove_run_at: z.string().nullable(),
  add_job: z.string().nullable(),
  add_batches_sent: z.number(),
  add_run_at: z.string().nullable(),
  attempts: z.number(),
  config: z.record(z.unknown()),
  user_list_resource_name: z.string().nullable(),
});
type Claimed = z.infer<typeof claimedRow>;
const refusalsRow = z.object({ refused: z.coerce.number() });

/** The sync is being sent by another attempt right now: retry later (Temporal's retry policy waits). */
class SyncBusyError extends Error {
  override name = 'SyncBusyError';
}
class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

export async function sendAudienceSync(deps: SendSyncDeps, input: SendSyncInput): Promise<SendSyncResult> {
  const { companyId, syncId } = input;
  const sync = await claim(deps, companyId, syncId);
  if (sync.status !== 'pending') return { syncId, status: sync.status, adds: sync.adds, removes: sync.removes, refused: 0, attempts: sync.attempts, detail: null };
  const log = { company_id: companyId, sync_id: syncId, audience: sync.audience };
  try {
    if (!deps.credentialsKey) throw new ConfigurationError('LUX_CREDENTIALS_KEY is not set on this worker: integration credentials cannot be decrypted');
    const credentials = await loadIntegrationCredentials(deps.appPool, deps.credentialsKey, companyId, 'google_ads', googleAdsCredentialsSchema);
    const client = createCustomerMatchClient(credentials, { timeoutMs: deps.requestTimeoutMs });
    const config = audienceConfigSchema.parse(sync.config);
    const customerId = config.customerId ?? credentials.customerIds[0];
    if (customerId === undefined) throw new ConfigurationError('google_ads: no customer id for the audience (settings customerId or the credentials customerIds)');

    const userList = sync.user_list_resource_name ?? (await ensureUserList(deps, client, companyId, sync, customerId, config.membershipLifeSpanDays));
    // Jobs belong to the customer that owns the list.
    const listCustomer = /^customers\/(\d{10})\//.exec(userList)?.[1] ?? customerId;
    for (const kind of ['remove', 'add'] as const) await sendJob(deps, client, companyId, syncId, sync, kind, listCustomer, userList);

    const refused = await commit(deps, companyId, syncId);
    deps.logger.info({ ...log, adds: sync.adds, removes: sync.removes, refused }, 'audience sync sent');
    return { syncId, status: 'sent', adds: sync.adds, removes: sync.removes, refused, attempts: sync.attempts, detail: refused > 0 ? `${refused} operation(s) refused by Google (partial_failure)` : null };
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
    const retryable = error instanceof VendorHttpError ? error.retryable : !(error instanceof VendorResponseError || error instanceof CredentialsNotFoundError || error instanceof ConfigurationError || error instanceof z.ZodError);
    await withTenant(deps.appPool, companyId, (tx) =>
      tx.query(sql.unsafe`
        UPDATE audience_syncs SET last_error = ${message}, claimed_until = NULL, updated_at = now(),
          status = ${retryable ? 'pending' : 'failed'}, finished_at = CASE WHEN ${retryable} THEN NULL ELSE now() END
        WHERE company_id = ${companyId} AND sync_id = ${syncId} AND status = 'pending'`),
    );
    deps.logger.warn({ ...log, retryable, err: message }, 'audience sync attempt failed');
    if (!retryable) return { syncId, status: 'failed', adds: sync.adds, removes: sync.removes, refused: 0, attempts: sync.attempts, detail: message };
    throw toActivityFailure(error);
  }
}

/** Counts the attempt and takes the sync for this attempt; a sync that is no longer pending is returned as it is. */
async function claim(deps: SendSyncDeps, companyId: string, syncId: string): Promise<Claimed> {
  return withTenant(deps.appPool, companyId, async (tx) => {
    const current = await tx.maybeOne(sql.type(claimedRow)`
      SELECT y.destination, y.audience, y.status, y.adds, y.removes, y.batch_size, y.remove_job, y.remove_batches_sent, y.remove_run_at::text,
        y.add_job, y.add_batches_sent, y.add_run_at::text, y.attempts, s.config, s.user_list_resource_name
      FROM audience_syncs y JOIN audience_settings s USING (company_id, destination, audience)
      WHERE y.company_id = ${companyId} AND y.sync_id = ${syncId}
      FOR UPDATE OF y`);
    if (current === null) throw new ConfigurationError(`audience sync ${syncId} not found`);
    if (current.status !== 'pending') return current;
    const claimed = await tx.query(sql.unsafe`
      UPDATE audience_syncs SET attempts = attempts + 1, claimed_until = now() + make_interval(secs => ${deps.claimSeconds}), updated_at = now()
      WHERE company_id = ${companyId} AND sync_id = ${syncId} AND (claimed_until IS NULL OR claimed_until < now())`);
    if (claimed.rowCount === 0) throw toActivityFailure(new SyncBusyError(`audience sync ${syncId} is being sent by another attempt`));
    return { ...current, attempts: current.attempts + 1 };
  });
}

async function ensureUserList(deps: SendSyncDeps, client: CustomerMatchClient, companyId: string, sync: Claimed, customerId: string, membershipLifeSpanDays: number): Promise<string> {
  const name = userListName(sync.audience as Audience, companyId);
  let resourceName: string | null;
  try {
    resourceName = await client.createUserList(customerId, createUserListBody({ name, description: `LUX Marketing Analytics audience ${sync.audience}: hashed emails of consented customers, kept in sync daily`, membershipLifeSpanDays }));
  } catch (error) {
    if (!(error instanceof UserListNameTakenError)) throw error;
    // An earlier attempt created it and its answer never reached us (or someone made one by that name).
    resourceName = await client.findUserListByName(customerId, name);
    if (resourceName === null) throw new ConfigurationError(`google_ads: a user list named "${name}" exists but cannot be read`);
  }
  await withTenant(deps.appPool, companyId, (tx) =>
    tx.query(sql.unsafe`
      UPDATE audience_settings SET user_list_resource_name = ${resourceName}, updated_at = now()
      WHERE company_id = ${companyId} AND destination = ${sync.destination} AND audience = ${sync.audience}`),
  );
  return resourceName;
}

async function sendJob(deps: SendSyncDeps, client: CustomerMatchClient, companyId: string, syncId: string, sync: Claimed, kind: JobKind, customerId: string, userList: string): Promise<void> {
  if ((kind === 'add' ? sync.adds : sync.removes) === 0) return;
  const jobColumn = sql.identifier([`${kind}_job`]);
  const sentColumn = sql.identifier([`${kind}_batches_sent`]);
  const runColumn = sql.identifier([`${kind}_run_at`]);
  const update = (set: ReturnType<typeof sql.fragment>) =>
    withTenant(deps.appPool, companyId, (tx) => tx.query(sql.unsafe`UPDATE audience_syncs SET ${set}, updated_at = now() WHERE company_id = ${companyId} AND sync_id = ${syncId}`));

  let job = kind === 'add' ? sync.add_job : sync.remove_job;
  if (job === null) {
    job = await client.createJob(customerId, createJobBody(userList, kind));
    await update(sql.fragment`${jobColumn} = ${job}`);
  }
  // Batches are cut from the sync's members of this kind in hash order (refused ones stay in that list,
  // flagged), so batch i is the same on every attempt and resuming at batches_sent skips exactly what
  // Google has accepted.
  const hashes = await withTenant(deps.appPool, companyId, (tx) =>
    tx.anyFirst(sql.type(z.object({ email_hash: z.string() }))`
      SELECT email_hash FROM audience_members WHERE company_id = ${companyId} AND pending_sync_id = ${syncId} AND pending_op = ${kind} ORDER BY email_hash`),
  );
  const batches = batchesOf(hashes, sync.batch_size);
  const alreadySent = kind === 'add' ? sync.add_batches_sent : sync.remove_batches_sent;
  for (let i = alreadySent; i < batches.length; i += 1) {
    const batch = batches[i] as string[];
    const response = await client.addOperations(job, addOperationsBody(kind, batch));
    const refused = failedOperationIndexes(response.partialFailureError).map((index) => batch[index]).filter((h): h is string => h !== undefined);
    await withTenant(deps.appPool, companyId, async (tx) => {
      if (refused.length > 0) {
        await tx.query(sql.unsafe`
          UPDATE audience_members SET refused = true
          WHERE company_id = ${companyId} AND pending_sync_id = ${syncId} AND email_hash = ANY(${sql.array(refused, 'text')})`);
        const detail = { batch: i, refused: refused.length, codes: googleErrorCodes(response.partialFailureError), message: response.partialFailureError?.message ?? null };
        await tx.query(sql.unsafe`
          UPDATE audience_syncs SET partial_failure = jsonb_set(coalesce(partial_failure, '{}'::jsonb), ${sql.array([kind], 'text')},
            coalesce(partial_failure -> ${kind}, '[]'::jsonb) || ${sql.jsonb([detail])})
          WHERE company_id = ${companyId} AND sync_id = ${syncId}`);
      }
      await tx.query(sql.unsafe`UPDATE audience_syncs SET ${sentColumn} = ${i + 1}, updated_at = now() WHERE company_id = ${companyId} AND sync_id = ${syncId}`);
    });
  }
  if ((kind === 'add' ? sync.add_run_at : sync.remove_run_at) === null) {
    const operation = await client.runJob(job);
    deps.logger.info({ company_id: companyId, sync_id: syncId, kind, job, operation }, 'audience job running at Google');
    await update(sql.fragment`${runColumn} = now()`);
  }
}

/**
 * Google has every job of the sync: the member rows say so. Removed members are forgotten (their rows
 * deleted), added ones marked uploaded. Refused operations change nothing: a refused addition that was
 * never on the list is forgotten (planned again next time), a refused refresh or removal leaves the
 * member as it was.
 */
async function commit(deps: SendSyncDeps, companyId: string, syncId: string): Promise<number> {
  return withTenant(deps.appPool, companyId, async (tx) => {
    const mine = sql.fragment`company_id = ${companyId} AND pending_sync_id = ${syncId}`;
    const refused = await tx.oneFirst(sql.type(refusalsRow)`SELECT count(*) AS refused FROM audience_members WHERE ${mine} AND refused`);
    await tx.query(sql.unsafe`DELETE FROM audience_members WHERE ${mine} AND ((pending_op = 'remove' AND NOT refused) OR (pending_op = 'add' AND refused AND uploaded_at IS NULL))`);
    await tx.query(sql.unsafe`
      UPDATE audience_members SET uploaded_at = CASE WHEN refused THEN uploaded_at ELSE now() END, pending_op = NULL, pending_sync_id = NULL, refused = false
      WHERE ${mine}`);
    await tx.query(sql.unsafe`
      UPDATE audience_syncs SET status = 'sent', finished_at = now(), claimed_until = NULL, last_error = NULL, updated_at = now()
      WHERE company_id = ${companyId} AND sync_id = ${syncId}`);
    return refused;
  });
}

/** Retries exhausted (the workflow gave up): the sync says so; the next plan starts from what Google confirmed. */
export async function markAudienceSyncFailed(deps: { appPool: DatabasePool }, input: SendSyncInput & { error: string }): Promise<SendSyncResult> {
  const row = await withTenant(deps.appPool, input.companyId, (tx) =>
    tx.maybeOne(sql.type(z.object({ adds: z.number(), removes: z.number(), attempts: z.number() }))`
      UPDATE audience_syncs SET status = 'failed', last_error = ${`retries exhausted: ${input.error}`.slice(0, 1000)}, claimed_until = NULL, finished_at = now(), updated_at = now()
      WHERE company_id = ${input.companyId} AND sync_id = ${input.syncId} AND status = 'pending'
      RETURNING adds, removes, attempts`),
  );
  return { syncId: input.syncId, status: 'failed', adds: row?.adds ?? 0, removes: row?.removes ?? 0, refused: 0, attempts: row?.attempts ?? 0, detail: input.error };
}

// sendConversion: delivers one pending conversion_outbox row to its vendor and records the outcome.
//   * the attempt is counted (attempts, last_attempt_at) and committed *before* the call, so a timeout
//     or a worker crash mid-call still shows in the row;
//   * too old for the vendor (Meta: 7 days, GA4: 72 hours) → expired, never sent, never retried;
//   * 2xx → sent (Google with partialFailure: partial_failure when it refused the conversion, sent when
//     the refusal says it already has it: an earlier attempt that timed out on our side did arrive);
//   * 429 / 5xx / network errors and timeouts → last_error recorded and thrown: Temporal retries with
//     backoff. The retry sends the same payload with the same event_id / orderId, which the vendors
//     dedupe on (Meta event_id, TikTok event_id, Google orderId; GA4 transaction_id);
//   * any other 4xx, a response of the wrong shape, missing credentials → failed with the reason.
// A row that is not pending (sent, expired, skipped, ...) is left alone: a second run sends nothing.
import { sql } from 'slonik';
import { z } from 'zod';
import { ga4CredentialsSchema } from '../../integrations/ga4/credentials';
import { sendGa4Events } from '../../integrations/ga4/measurement-protocol';
import { ALREADY_UPLOADED_CODES, partialFailureCodes, uploadClickConversions } from '../../integrations/google-ads/conversions';
import { googleAdsCredentialsSchema } from '../../integrations/google-ads/credentials';
import { VendorHttpError, VendorResponseError } from '../../integrations/http';
import { sendMetaEvents } from '../../integrations/meta/conversions';
import { metaCredentialsSchema } from '../../integrations/meta/credentials';
import { sendTikTokEvents } from '../../integrations/tiktok/events';
import { tiktokCredentialsSchema } from '../../integrations/tiktok/credentials';
import type { CredentialsKey } from '../../lib/credentials/cipher';
import { CredentialsNotFoundError, loadIntegrationCredentials, type IntegrationSource } from '../../lib/credentials/store';
import type { DatabasePool } from '../../lib/db/pool';
import { withTenant } from '../../lib/db/tenant';
import type { Destination } from '../../lib/forwarding/destinations';
import { FORWARDING_CONFIG_SCHEMAS } from '../../lib/forwarding/settings';
import { isTooOldForGa4, isTooOldForMeta } from '../../lib/forwarding/time';
import { toActivityFailure } from '../support/vendor-failures';

export type SendInput = { companyId: string; source: string; externalId: string; destination: Destination };
export type SendResult = { destination: Destination; status: string; attempts: number; detail: string | null };

export type SendDeps = { appPool: DatabasePool; credentialsKey?: CredentialsKey | undefined; requestTimeoutMs: number };

const outboxRow = z.object({ status: z.string(), payload: z.record(z.unknown()).nullable(), event_time_ms: z.coerce.number().nullable(), attempts: z.number().int(), config: z.record(z.unknown()).nullable() });

type Outcome = { status: 'sent' | 'partial_failure' | 'failed' | 'expired'; vendorResponse: unknown; partialFailure?: unknown; error?: string | null };

export async function sendConversion(deps: SendDeps, input: SendInput): Promise<SendResult> {
  const { companyId, source, externalId, destination } = input;
  const key = sql.fragment`company_id = ${companyId} AND source = ${source} AND external_id = ${externalId} AND destination = ${destination}`;

  // Count the attempt first, in its own transaction.
  const row = await withTenant(deps.appPool, companyId, async (tx) => {
    const current = await tx.maybeOne(sql.type(outboxRow)`
      SELECT b.status, b.payload, extract(epoch FROM b.event_time) * 1000 AS event_time_ms, b.attempts, s.config
      FROM conversion_outbox b
      LEFT JOIN conversion_forwarding_settings s ON s.company_id = b.company_id AND s.destination = b.destination
      WHERE b.company_id = ${companyId} AND b.source = ${source} AND b.external_id = ${externalId} AND b.destination = ${destination}
      FOR UPDATE OF b`);
    if (current === null || current.status !== 'pending' || current.payload === null) return current;
    const now = new Date();
    if (current.event_time_ms !== null && ((destination === 'meta' && isTooOldForMeta(new Date(current.event_time_ms), now)) || (destination === 'ga4' && isTooOldForGa4(new Date(current.event_time_ms), now)))) {
      const limit = destination === 'meta' ? 'Meta refuses events older than 7 days' : 'GA4 Measurement Protocol refuses events older than 72 hours';
      await tx.query(sql.unsafe`UPDATE conversion_outbox SET status = 'expired', last_error = ${limit}, updated_at = now() WHERE ${key}`);
      return { ...current, status: 'expired' };
    }
    await tx.query(sql.unsafe`UPDATE conversion_outbox SET attempts = attempts + 1, last_attempt_at = now(), updated_at = now() WHERE ${key}`);
    return { ...current, attempts: current.attempts + 1, status: 'sending' };
  });
  if (row === null) return { destination, status: 'missing', attempts: 0, detail: 'no outbox row' };
  if (row.status !== 'sending' || row.payload === null) return { destination, status: row.status, attempts: row.attempts, detail: null };

  let outcome: Outcome;
  try {
    outcome = await deliver(deps, companyId, destination, row.payload, row.config ?? {});
  } catch (error) {
    const retryable = error instanceof VendorHttpError && error.retryable;
    const message = error instanceof Error ? error.message : String(error);
    const permanent = !retryable && (error instanceof VendorHttpError || error instanceof VendorResponseError || error instanceof CredentialsNotFoundError || error instanceof ConfigurationError);
    await withTenant(deps.appPool, companyId, (tx) =>
      tx.query(sql.unsafe`
        UPDATE conversion_outbox SET last_error = ${message.slice(0, 1000)},
          vendor_response = ${JSON.stringify({ error: message.slice(0, 1000), status: error instanceof VendorHttpError ? error.status : null })}::jsonb,
          status = ${permanent ? 'failed' : 'pending'}, updated_at = now()
        WHERE ${key} AND status = 'pending'`),
    );
    if (permanent) return { destination, status: 'failed', attempts: row.attempts, detail: message };
    throw toActivityFailure(error);
  }
  await withTenant(deps.appPool, companyId, (tx) =>
    tx.query(sql.unsafe`
      UPDATE conversion_outbox SET status = ${outcome.status}, vendor_response = ${JSON.stringify(outcome.vendorResponse ?? null)}::jsonb,
        partial_failure = ${outcome.partialFailure === undefined ? null : JSON.stringify(outcome.partialFailure)}::jsonb,
        last_error = ${outcome.error ?? null},
        sent_at = CASE WHEN ${outcome.status} IN ('sent', 'partial_failure') THEN now() END, updated_at = now()
      WHERE ${key} AND status = 'pending'`),
  );
  return { destination, status: outcome.status, attempts: row.attempts, detail: outcome.error ?? null };
}

/** Retries exhausted (the workflow gave up): the row says so instead of staying pending for ever. */
export async function markConversionFailed(deps: { appPool: DatabasePool }, input: SendInput & { error: string }): Promise<SendResult> {
  const attempts = await withTenant(deps.appPool, input.companyId, (tx) =>
    tx.maybeOneFirst(sql.type(z.object({ attempts: z.number().int() }))`
      UPDATE conversion_outbox SET status = 'failed', last_error = ${`retries exhausted: ${input.error}`.slice(0, 1000)}, updated_at = now()
      WHERE company_id = ${input.companyId} AND source = ${input.source} AND external_id = ${input.externalId} AND destination = ${input.destination} AND status = 'pending'
      RETURNING attempts`),
  );
  return { destination: input.destination, status: 'failed', attempts: attempts ?? 0, detail: input.error };
}

class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

async function credentialsOf<S extends z.ZodTypeAny>(deps: SendDeps, companyId: string, source: IntegrationSource, schema: S): Promise<z.infer<S>> {
  if (!deps.credentialsKey) throw new ConfigurationError('LUX_CREDENTIALS_KEY is not set on this worker: integration credentials cannot be decrypted');
  return loadIntegrationCredentials(deps.appPool, deps.credentialsKey, companyId, source, schema);
}

async function deliver(deps: SendDeps, companyId: string, destination: Destination, payload: Record<string, unknown>, rawConfig: Record<string, unknown>): Promise<Outcome> {
  const timeoutMs = deps.requestTimeoutMs;
  switch (destination) {
    case 'google_ads': {
      const credentials = await credentialsOf(deps, companyId, 'google_ads', googleAdsCredentialsSchema);
      const action = (payload.conversions as Array<{ conversionAction: string }> | undefined)?.[0]?.conversionAction ?? '';
      const customerId = /^customers\/(\d{10})\//.exec(action)?.[1];
      if (customerId === undefined) throw new ConfigurationError(`google_ads: the payload names no customer (${action})`);
      const response = await uploadClickConversions(credentials, customerId, payload, { timeoutMs });
      if (response.partialFailureError === undefined) return { status: 'sent', vendorResponse: response };
      const codes = partialFailureCodes(response);
      if (codes.length > 0 && codes.every((c) => ALREADY_UPLOADED_CODES.has(c))) {
        return { status: 'sent', vendorResponse: response, error: `already uploaded (${codes.join(', ')}): an earlier attempt reached Google` };
      }
      return { status: 'partial_failure', vendorResponse: response, partialFailure: response.partialFailureError, error: `${codes.join(', ') || 'partial failure'}: ${response.partialFailureError.message ?? ''}`.slice(0, 1000) };
    }
    case 'meta': {
      const config = FORWARDING_CONFIG_SCHEMAS.meta.safeParse(rawConfig);
      if (!config.success) throw new ConfigurationError('meta: forwarding settings have no valid pixelId');
      const credentials = await credentialsOf(deps, companyId, 'meta', metaCredentialsSchema);
      const response = await sendMetaEvents(credentials, config.data.pixelId, payload, { timeoutMs });
      if (response.events_received < 1) return { status: 'failed', vendorResponse: response, error: 'meta: events_received 0' };
      return { status: 'sent', vendorResponse: response };
    }
    case 'tiktok': {
      const credentials = await credentialsOf(deps, companyId, 'tiktok', tiktokCredentialsSchema);
      return { status: 'sent', vendorResponse: await sendTikTokEvents(credentials, payload, { timeoutMs }) };
    }
    case 'ga4': {
      const credentials = await credentialsOf(deps, companyId, 'ga4', ga4CredentialsSchema);
      return { status: 'sent', vendorResponse: await sendGa4Events(credentials, payload, { timeoutMs }) };
    }
  }
}

// The suppression list and company tracking switches, as tenant queries (run inside withTenant).
// Each query also names its company explicitly: RLS is the safety net, not the only filter (the admin
// CLI runs them as the owner role, which RLS does not restrict).
import { sql, type DatabaseTransactionConnection } from 'slonik';
import { z } from 'zod';
import type { Suppression } from './suppression-input';

const suppressionRow = z.object({ kind: z.string(), value: z.string(), reason: z.string(), created_at: z.coerce.number() });

export async function addSuppression(tx: DatabaseTransactionConnection, companyId: string, s: Suppression): Promise<boolean> {
  const result = await tx.query(sql.unsafe`
    INSERT INTO suppressions (company_id, kind, value, reason) VALUES (${companyId}, ${s.kind}, ${s.value}, ${s.reason})
    ON CONFLICT DO NOTHING`);
  return result.rowCount === 1;
}

export async function removeSuppression(tx: DatabaseTransactionConnection, companyId: string, s: Pick<Suppression, 'kind' | 'value'>): Promise<boolean> {
  const result = await tx.query(sql.unsafe`
    DELETE FROM suppressions WHERE company_id = ${companyId} AND kind = ${s.kind} AND value = ${s.value}`);
  return result.rowCount === 1;
}

export async function listSuppressions(tx: DatabaseTransactionConnection, companyId: string) {
  return tx.any(sql.type(suppressionRow)`
    SELECT kind, value, reason, created_at FROM suppressions WHERE company_id = ${companyId} ORDER BY created_at`);
}

export const trackingSettingsPatchSchema = z
  .object({
    tracking_enabled: z.boolean().optional(),
    gpc_policy: z.enum(['drop', 'anonymize']).optional(),
    consent_mode: z.enum(['opt-out', 'opt-in']).optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'expected at least one of tracking_enabled, gpc_policy, consent_mode');
export type TrackingSettingsPatch = z.infer<typeof trackingSettingsPatchSchema>;

const companySettingsRow = z.object({ tracking_enabled: z.boolean(), settings: z.record(z.unknown()) });

export async function updateTrackingSettings(tx: DatabaseTransactionConnection, companyId: string, patch: TrackingSettingsPatch) {
  const { tracking_enabled: trackingEnabled, ...settings } = patch;
  return tx.one(sql.type(companySettingsRow)`
    UPDATE companies SET
      tracking_enabled = coalesce(${trackingEnabled ?? null}::boolean, tracking_enabled),
      settings = settings || ${sql.jsonb(settings)}
    WHERE company_id = ${companyId}
    RETURNING tracking_enabled, settings`);
}

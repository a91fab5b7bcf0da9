// Experiments (tests a team launches and decides), read by the Ops velocity dashboard. Inputs are
// validated here once and shared by the CLI (`lux experiments add|decide`) and POST /admin/experiments.
// Every function takes a tenant transaction (withTenant): RLS keeps a company to its own rows.
import { sql } from 'slonik';
import { z } from 'zod';
import type { TenantTransaction } from '../db/tenant';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD').refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v), 'not a calendar date');
export const experimentOutcomeSchema = z.enum(['win', 'loss', 'inconclusive']);

export const experimentInputSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    hypothesis: z.string().max(2000).optional(),
    channel: z.string().trim().min(1).max(100).optional(),
    launched_on: day,
    decided_on: day.optional(),
    outcome: experimentOutcomeSchema.optional(),
    notes: z.string().max(2000).optional(),
  })
  .strict()
  .refine((e) => (e.decided_on === undefined) === (e.outcome === undefined), { message: 'decided_on and outcome go together', path: ['outcome'] })
  .refine((e) => e.decided_on === undefined || e.decided_on >= e.launched_on, { message: 'decided_on is before launched_on', path: ['decided_on'] });
export type ExperimentInput = z.infer<typeof experimentInputSchema>;

export const experimentDecisionSchema = z
  .object({
    outcome: experimentOutcomeSchema,
    decided_on: day,
    notes: z.string().max(2000).optional(),
  })
  .strict();
export type ExperimentDecision = z.infer<typeof experimentDecisionSchema>;

/** A decision the stored experiment contradicts (decided before it launched): a 422, not a 500. */
export class ExperimentInputError extends Error {
  override name = 'ExperimentInputError';
}

export const experimentRow = z.object({
  experiment_id: z.string().uuid(),
  name: z.string(),
  hypothesis: z.string().nullable(),
  channel: z.string().nullable(),
  launched_on: z.string(),
  decided_on: z.string().nullable(),
  outcome: experimentOutcomeSchema.nullable(),
  notes: z.string().nullable(),
});
export type Experiment = z.infer<typeof experimentRow>;

const columns = sql.fragment`experiment_id, name, hypothesis, channel, launched_on::text AS launched_on, decided_on::text AS decided_on, outcome, notes`;

/** Records an experiment; a second add with the same name updates it (created: false), so re-running a script is safe. */
export async function saveExperiment(tx: TenantTransaction, companyId: string, input: ExperimentInput): Promise<{ created: boolean; experiment: Experiment }> {
  const row = await tx.maybeOne(sql.type(experimentRow.extend({ created: z.boolean() }))`
    INSERT INTO experiments (company_id, name, hypothesis, channel, launched_on, decided_on, outcome, notes)
    VALUES (${companyId}, ${input.name}, ${input.hypothesis ?? null}, ${input.channel ?? null}, ${input.launched_on}::date,
      ${input.decided_on ?? null}::date, ${input.outcome ?? null}, ${input.notes ?? null})
    ON CONFLICT (company_id, name) DO UPDATE SET
      hypothesis = coalesce(EXCLUDED.hypothesis, experiments.hypothesis), channel = coalesce(EXCLUDED.channel, experiments.channel),
      launched_on = EXCLUDED.launched_on, decided_on = coalesce(EXCLUDED.decided_on, experiments.decided_on),
      outcome = coalesce(EXCLUDED.outcome, experiments.outcome), notes = coalesce(EXCLUDED.notes, experiments.notes), updated_at = now()
    WHERE coalesce(EXCLUDED.decided_on, experiments.decided_on) IS NULL OR coalesce(EXCLUDED.decided_on, experiments.decided_on) >= EXCLUDED.launched_on
    RETURNING ${columns}, (xmax = 0) AS created`);
  // no row: the update was refused by its WHERE (the stored decision would precede the new launch day)
  if (!row) throw new ExperimentInputError("the experiment's decided_on would be before its launched_on");
  const { created, ...experiment } = row;
  return { created, experiment };
}

/** Decides an experiment, found by id or by name; undefined when there is none. */
export async function decideExperiment(tx: TenantTransaction, companyId: string, idOrName: string, decision: ExperimentDecision): Promise<Experiment | undefined> {
  const byId = z.string().uuid().safeParse(idOrName).success;
  const match = byId ? sql.fragment`experiment_id = ${idOrName}::uuid` : sql.fragment`name = ${idOrName}`;
  // the date check is in the WHERE clause (not left to the CHECK constraint), so a decision before the
  // launch is told apart from an unknown experiment without an aborted transaction
  const row = await tx.maybeOne(sql.type(experimentRow)`
    UPDATE experiments SET outcome = ${decision.outcome}, decided_on = ${decision.decided_on}::date, notes = coalesce(${decision.notes ?? null}, notes), updated_at = now()
    WHERE company_id = ${companyId} AND ${match} AND launched_on <= ${decision.decided_on}::date
    RETURNING ${columns}`);
  if (row) return row;
  const exists = await tx.exists(sql.unsafe`SELECT 1 FROM experiments WHERE company_id = ${companyId} AND ${match}`);
  if (exists) throw new ExperimentInputError("decided_on is before the experiment's launched_on");
  return undefined;
}

export async function listExperiments(tx: TenantTransaction, companyId: string): Promise<readonly Experiment[]> {
  return tx.any(sql.type(experimentRow)`SELECT ${columns} FROM experiments WHERE company_id = ${companyId} ORDER BY launched_on, name`);
}

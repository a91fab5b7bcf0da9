// Admin endpoints (secret key with the admin scope, or an admin/analyst session): the suppression list and
// tracking switches.
import Router from '@koa/router';
import type Koa from 'koa';
import type { z, ZodTypeAny } from 'zod';
import { withTenant } from '../../lib/db/tenant';
import type { DatabasePool } from '../../lib/db/pool';
import { bodyFieldErrors } from '../../lib/ingest/event-schema';
import type { Logger } from '../../lib/logger';
import { suppressionInputSchema } from '../../lib/privacy/suppression-input';
import { decideExperiment, experimentDecisionSchema, experimentInputSchema, ExperimentInputError, listExperiments, saveExperiment } from '../../lib/experiments/experiments';
import { addSuppression, listSuppressions, removeSuppression, trackingSettingsPatchSchema, updateTrackingSettings } from '../../lib/privacy/suppressions';
import { requirePrincipal } from '../auth/admin-auth';
import type { KeyResolver } from '../key-resolver';
import { readJsonBody } from '../read-body';

export type AdminRouteDeps = { appPool: DatabasePool; keys: KeyResolver; logger: Logger };

/** The caller's company; adminAuth (collector/auth/admin-auth.ts) has authenticated the request already. */
function requireAdmin(ctx: Koa.Context, _keys: KeyResolver): Promise<string> {
  return Promise.resolve(requirePrincipal(ctx, ctx.method === 'GET' ? 'analyst' : 'admin').companyId);
}

/** Validates a JSON body; failures become 422 with the failing fields (rendered by the error middleware). */
async function parseBody<S extends ZodTypeAny>(ctx: Koa.Context, schema: S): Promise<z.output<S>> {
  const parsed = schema.safeParse(await readJsonBody(ctx, 16 * 1024));
  if (!parsed.success) ctx.throw(422, 'invalid request', { details: bodyFieldErrors(parsed.error) });
  return parsed.data as z.output<S>;
}

export function adminRoutes(deps: AdminRouteDeps): Router {
  const router = new Router({ prefix: '/admin' });

  router.get('/suppressions', async (ctx) => {
    const companyId = await requireAdmin(ctx, deps.keys);
    const rows = await withTenant(deps.appPool, companyId, (tx) => listSuppressions(tx, companyId));
    ctx.body = { suppressions: rows.map((r) => ({ ...r, created_at: new Date(r.created_at).toISOString() })) };
  });

  router.post('/suppressions', async (ctx) => {
    const companyId = await requireAdmin(ctx, deps.keys);
    const suppression = await parseBody(ctx, suppressionInputSchema);
    const created = await withTenant(deps.appPool, companyId, (tx) => addSuppression(tx, companyId, suppression));
    deps.logger.info({ company_id: companyId, kind: suppression.kind }, 'suppression added');
    ctx.status = created ? 201 : 200;
    ctx.body = { ok: true, created, kind: suppression.kind, value: suppression.value };
  });

  router.delete('/suppressions', async (ctx) => {
    const companyId = await requireAdmin(ctx, deps.keys);
    const suppression = await parseBody(ctx, suppressionInputSchema);
    const removed = await withTenant(deps.appPool, companyId, (tx) => removeSuppression(tx, companyId, suppression));
    deps.logger.info({ company_id: companyId, kind: suppression.kind, removed }, 'suppression removed');
    ctx.status = removed ? 200 : 404;
    ctx.body = { ok: removed };
  });

  router.patch('/tracking', async (ctx) => {
    const companyId = await requireAdmin(ctx, deps.keys);
    const patch = await parseBody(ctx, trackingSettingsPatchSchema);
    const updated = await withTenant(deps.appPool, companyId, (tx) => updateTrackingSettings(tx, companyId, patch));
    deps.keys.clear();
    deps.logger.info({ company_id: companyId, ...patch }, 'tracking settings changed');
    ctx.body = { ok: true, tracking_enabled: updated.tracking_enabled, settings: updated.settings };
  });

  // Experiments (the Ops velocity dashboard): record one (same name again updates it), decide it, list them.
  router.get('/experiments', async (ctx) => {
    const companyId = await requireAdmin(ctx, deps.keys);
    ctx.body = { experiments: await withTenant(deps.appPool, companyId, (tx) => listExperiments(tx, companyId)) };
  });

  router.post('/experiments', async (ctx) => {
    const companyId = await requireAdmin(ctx, deps.keys);
    const input = await parseBody(ctx, experimentInputSchema);
    const saved = await withTenant(deps.appPool, companyId, (tx) => saveExperiment(tx, companyId, input)).catch((error: unknown) => {
      if (error instanceof ExperimentInputError) ctx.throw(422, error.message);
      throw error;
    });
    deps.logger.info({ company_id: companyId, experiment_id: saved.experiment.experiment_id, created: saved.created }, 'experiment recorded');
    ctx.status = saved.created ? 201 : 200;
    ctx.body = { ok: true, ...saved };
  });

  router.post('/experiments/:experiment/decision', async (ctx) => {
    const companyId = await requireAdmin(ctx, deps.keys);
    const decision = await parseBody(ctx, experimentDecisionSchema);
    const experiment = await withTenant(deps.appPool, companyId, (tx) => decideExperiment(tx, companyId, ctx.params.experiment ?? '', decision)).catch((error: unknown) => {
      if (error instanceof ExperimentInputError) ctx.throw(422, error.message);
      throw error;
    });
    if (!experiment) return ctx.throw(404, 'no experiment with this id or name');
    deps.logger.info({ company_id: companyId, experiment_id: experiment.experiment_id, outcome: decision.outcome }, 'experiment decided');
    ctx.body = { ok: true, experiment };
  });

  return router;
}

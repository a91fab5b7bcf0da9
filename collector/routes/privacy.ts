// Data subject requests over HTTP (secret key with the admin scope):
//   POST /admin/dsr/export | /admin/dsr/delete | /admin/dsr/opt-out   body {kind, value, reason?}
// kind: email | email_hash | user_id | visitor_id (an email is hashed at once; never stored or logged).
// Each request runs in one tenant transaction with its dsr_requests log row (lib/privacy/dsr.ts).
import Router from '@koa/router';
import type Koa from 'koa';
import { withTenant } from '../../lib/db/tenant';
import type { DatabasePool } from '../../lib/db/pool';
import { bodyFieldErrors } from '../../lib/ingest/event-schema';
import type { Logger } from '../../lib/logger';
import { dsrSubjectSchema, handleDsrRequest, type DsrAction } from '../../lib/privacy/dsr';
import type { KeyResolver } from '../key-resolver';
import { readJsonBody } from '../read-body';

export type PrivacyRouteDeps = { appPool: DatabasePool; keys: KeyResolver; logger: Logger };

async function requireAdminKey(ctx: Koa.Context, keys: KeyResolver): Promise<string> {
  const token = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'))?.[1];
  if (!token) ctx.throw(401, 'admin endpoints need "Authorization: Bearer <secret key>"');
  const key = await keys.resolveSecretKey(token);
  if (!key) ctx.throw(401, 'unknown or revoked secret key');
  if (!key.scopes.includes('admin')) ctx.throw(403, 'this secret key lacks the admin scope');
  return key.companyId;
}

const ROUTES: Array<[path: string, action: DsrAction]> = [
  ['/export', 'export'],
  ['/delete', 'delete'],
  ['/opt-out', 'opt_out'],
];

export function privacyRoutes(deps: PrivacyRouteDeps): Router {
  const router = new Router({ prefix: '/admin/dsr' });
  for (const [path, action] of ROUTES) {
    router.post(path, async (ctx) => {
      const companyId = await requireAdminKey(ctx, deps.keys);
      const parsed = dsrSubjectSchema.safeParse(await readJsonBody(ctx, 16 * 1024));
      if (!parsed.success) return ctx.throw(422, 'invalid request: expected {kind: email|email_hash|user_id|visitor_id, value, reason?}', { details: bodyFieldErrors(parsed.error) });
      const result = await withTenant(deps.appPool, companyId, (tx) => handleDsrRequest(tx, companyId, action, parsed.data, 'admin_api'));
      deps.logger.info({ company_id: companyId, action, subject_kind: parsed.data.kind, request_id: result.request_id, counts: result.counts }, 'data subject request handled');
      ctx.body = { ok: true, ...result };
    });
  }
  return router;
}

// Data subject requests over HTTP (admin role: a secret key with the admin scope or an admin user's
// session token; collector/auth/admin-auth.ts authenticates and audits everything under /admin):
//   POST /admin/dsr/export | /admin/dsr/delete | /admin/dsr/opt-out   body {kind, value, reason?}
// kind: email | email_hash | user_id | visitor_id (an email is hashed at once; never stored or logged).
// Each request runs in one tenant transaction with its dsr_requests log row (lib/privacy/dsr.ts).
import Router from '@koa/router';
import { withTenant } from '../../lib/db/tenant';
import type { DatabasePool } from '../../lib/db/pool';
import { bodyFieldErrors } from '../../lib/ingest/event-schema';
import type { Logger } from '../../lib/logger';
import { dsrSubjectSchema, handleDsrRequest, type DsrAction } from '../../lib/privacy/dsr';
import { requirePrincipal } from '../auth/admin-auth';
import { readJsonBody } from '../read-body';

export type PrivacyRouteDeps = { appPool: DatabasePool; logger: Logger };

const ROUTES: Array<[path: string, action: DsrAction]> = [
  ['/export', 'export'],
  ['/delete', 'delete'],
  ['/opt-out', 'opt_out'],
];

export function privacyRoutes(deps: PrivacyRouteDeps): Router {
  const router = new Router({ prefix: '/admin/dsr' });
  for (const [path, action] of ROUTES) {
    router.post(path, async (ctx) => {
      const { companyId } = requirePrincipal(ctx, 'admin');
      const parsed = dsrSubjectSchema.safeParse(await readJsonBody(ctx, 16 * 1024));
      if (!parsed.success) return ctx.throw(422, 'invalid request: expected {kind: email|email_hash|user_id|visitor_id, value, reason?}', { details: bodyFieldErrors(parsed.error) });
      const result = await withTenant(deps.appPool, companyId, (tx) => handleDsrRequest(tx, companyId, action, parsed.data, 'admin_api'));
      deps.logger.info({ company_id: companyId, action, subject_kind: parsed.data.kind, request_id: result.request_id, counts: result.counts }, 'data subject request handled');
      ctx.body = { ok: true, ...result };
    });
  }
  return router;
}

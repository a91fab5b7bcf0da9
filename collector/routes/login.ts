// POST /admin/login {company_id, login, password} → a signed session token for admin_users (lib/auth).
// Wrong login and wrong password get the same 401 and take the same time (a dummy scrypt for unknown
// logins). Every attempt, good or bad, is recorded in audit_log.
import Router from '@koa/router';
import { sql } from 'slonik';
import { z } from 'zod';
import { findAdminUserByLogin, loginSchema } from '../../lib/auth/admin-users';
import { dummyPasswordHash, verifyPassword } from '../../lib/auth/passwords';
import { signSessionToken, type Role } from '../../lib/auth/session-token';
import { withTenant } from '../../lib/db/tenant';
import { bodyFieldErrors } from '../../lib/ingest/event-schema';
import { writeAudit, type AdminAuthDeps } from '../auth/admin-auth';
import { readJsonBody } from '../read-body';

/** Inside the tenant transaction: the company's own row (RLS), so an unknown company is simply absent. */
const companyExistsQuery = sql.unsafe`SELECT 1 FROM companies`;

export const loginBodySchema = z.object({ company_id: z.string().uuid(), login: loginSchema, password: z.string().min(1).max(1024) }).strict();

export type SignedIn = { token: string; expiresAt: Date; role: Role; userId: string };

/**
 * Checks a user's login and password and signs a session token; null when refused. Wrong login and wrong
 * password take the same time (a dummy scrypt) and are both audited. Used by POST /admin/login and the
 * /dashboards sign-in form.
 */
export async function signInUser(deps: AdminAuthDeps & { sessionSecret: string }, input: { companyId: string; login: string; password: string }, action: string): Promise<SignedIn | null> {
  const { companyId, login, password } = input;
  const user = await withTenant(deps.appPool, companyId, (tx) => findAdminUserByLogin(tx, login));
  const passwordOk = await verifyPassword(password, user?.password_hash ?? (await dummyPasswordHash()));
  const companyExists = user !== null || (await withTenant(deps.appPool, companyId, (tx) => tx.exists(companyExistsQuery)));
  if (!user || !passwordOk || user.disabled_at !== null) {
    if (companyExists) await writeAudit(deps, { companyId, actorKind: 'anonymous', actor: login }, { action, status: 401, detail: { outcome: !user ? 'unknown_login' : !passwordOk ? 'wrong_password' : 'disabled' } });
    deps.logger.warn({ company_id: companyId }, 'sign-in refused');
    return null;
  }
  const { token, expiresAt } = signSessionToken({ userId: user.user_id, companyId, role: user.role }, deps.sessionSecret);
  await writeAudit(deps, { companyId, actorKind: 'user', actor: user.user_id }, { action, status: 200, detail: { outcome: 'signed_in', role: user.role } });
  return { token, expiresAt, role: user.role, userId: user.user_id };
}

export function loginRoutes(deps: AdminAuthDeps): Router {
  const router = new Router();
  router.post('/admin/login', async (ctx) => {
    const sessionSecret = deps.sessionSecret;
    if (!sessionSecret) {
      ctx.status = 503;
      ctx.body = { error: 'sign-in is not configured: set ADMIN_SESSION_SECRET (see README.md#configuration)' };
      return;
    }
    const parsed = loginBodySchema.safeParse(await readJsonBody(ctx, 4 * 1024));
    if (!parsed.success) return ctx.throw(422, 'invalid request: expected {company_id, login, password}', { details: bodyFieldErrors(parsed.error) });
    const signedIn = await signInUser({ ...deps, sessionSecret }, { companyId: parsed.data.company_id, login: parsed.data.login, password: parsed.data.password }, 'POST /admin/login');
    if (!signedIn) return ctx.throw(401, 'unknown login or wrong password');
    ctx.body = { token: signedIn.token, token_type: 'Bearer', expires_at: signedIn.expiresAt.toISOString(), role: signedIn.role, user_id: signedIn.userId };
  });
  return router;
}

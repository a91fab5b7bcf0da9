// Who is calling an admin or dashboard endpoint, with which role, and the audit trail of what they did.
//
// Credentials (Authorization: Bearer …): a secret key (lux_sk_…) with the admin scope → role admin; or a
// session token from POST /admin/login (lib/auth/session-token.ts) → the user's current role, re-read
// from admin_users on every request (a disabled user's token stops working at once). The company is
// always the credential's, never a request parameter.
//
// Roles: admin may do everything; analyst may only read (GET/HEAD under /admin; /dashboards when that
// router mounts requireRole('analyst')). Every POST/PUT/PATCH/DELETE under /admin is recorded in
// audit_log after it ran, with the answer's status, also when it failed.
import type Koa from 'koa';
import { recordAudit, activeAdminUserRole } from '../../lib/auth/admin-users';
import { looksLikeSessionToken, verifySessionToken, type Role } from '../../lib/auth/session-token';
import { isConnectionError } from '../../lib/db/errors';
import type { DatabasePool } from '../../lib/db/pool';
import { withTenant } from '../../lib/db/tenant';
import { looksLikeSecretKey } from '../../lib/keys';
import type { Logger } from '../../lib/logger';
import type { KeyResolver } from '../key-resolver';

export type Principal = { companyId: string; role: Role; actorKind: 'secret_key' | 'user'; actor: string };

export type AdminAuthDeps = {
  appPool: DatabasePool;
  keys: KeyResolver;
  logger: Logger;
  /** ADMIN_SESSION_SECRET; without it session tokens are refused and POST /admin/login answers 503. */
  sessionSecret?: string;
};

const RANK: Record<Role, number> = { analyst: 1, admin: 2 };
const READ_METHODS = new Set(['GET', 'HEAD']);
/** Paths that authenticate by other means (the login itself). */
const PUBLIC_ADMIN_PATHS = new Set(['/admin/login']);

export const isAdminPath = (path: string): boolean => path === '/admin' || path.startsWith('/admin/');

export type Refusal = { refused: 401 | 403; message: string };

/**
 * What one credential (a secret key or a session token) stands for: the principal, or why it is refused.
 * Shared by the /admin middleware and the /dashboards pages (which also keep it in their cookie).
 */
export async function resolveCredential(credential: string, deps: AdminAuthDeps): Promise<Principal | Refusal> {
  if (looksLikeSecretKey(credential)) {
    const key = await deps.keys.resolveSecretKey(credential);
    if (!key) return { refused: 401, message: 'unknown or revoked secret key' };
    if (!key.scopes.includes('admin')) return { refused: 403, message: 'this secret key lacks the admin scope' };
    return { companyId: key.companyId, role: 'admin', actorKind: 'secret_key', actor: credential.slice(0, 12) };
  }
  if (looksLikeSessionToken(credential)) {
    if (!deps.sessionSecret) return { refused: 401, message: 'session tokens are not accepted here (ADMIN_SESSION_SECRET is not set)' };
    const verified = verifySessionToken(credential, deps.sessionSecret);
    if (!verified.ok) return { refused: 401, message: `invalid session token (${verified.reason.replace('_', ' ')}); sign in again at POST /admin/login` };
    const { cid, sub } = verified.claims;
    const role = await withTenant(deps.appPool, cid, (tx) => activeAdminUserRole(tx, sub));
    if (!role) return { refused: 401, message: 'this user is disabled or no longer exists' };
    return { companyId: cid, role, actorKind: 'user', actor: sub };
  }
  return { refused: 401, message: 'unknown credential: expected a secret key (lux_sk_…) or a session token' };
}

export const isRefusal = (value: Principal | Refusal): value is Refusal => 'refused' in value;

/** Resolves the request's credential to a principal; 401 without a valid one, 403 for a key without the admin scope. */
export async function authenticate(ctx: Koa.Context, deps: AdminAuthDeps): Promise<Principal> {
  const existing = ctx.state.principal as Principal | undefined;
  if (existing) return existing;
  const bearer = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'))?.[1];
  if (!bearer) return ctx.throw(401, 'this endpoint needs "Authorization: Bearer <secret key or session token>"');
  const principal = await resolveCredential(bearer, deps);
  if (isRefusal(principal)) return ctx.throw(principal.refused, principal.message);
  ctx.state.principal = principal;
  return principal;
}

function assertRole(ctx: Koa.Context, principal: Principal, role: Role): void {
  if (RANK[principal.role] < RANK[role]) ctx.throw(403, `this needs the ${role} role; you have ${principal.role}`);
}

/** For route handlers: the authenticated principal (set by adminAuth or requireRole), with at least `role`. */
export function requirePrincipal(ctx: Koa.Context, role: Role): Principal {
  const principal = ctx.state.principal as Principal | undefined;
  if (!principal) return ctx.throw(401, 'this endpoint needs "Authorization: Bearer <secret key or session token>"');
  assertRole(ctx, principal, role);
  return principal;
}

/** Mountable on any router (e.g. /dashboards): authenticates and checks the role before the handler. */
export function requireRole(role: Role, deps: AdminAuthDeps): Koa.Middleware {
  return async function requireRoleMiddleware(ctx, next) {
    assertRole(ctx, await authenticate(ctx, deps), role);
    await next();
  };
}

/**
 * App-level middleware for everything under /admin: authenticate, enforce the role (reads: analyst,
 * changes: admin), run the handler, then record a change in audit_log whatever its outcome.
 */
export function adminAuth(deps: AdminAuthDeps): Koa.Middleware {
  return async function adminAuthMiddleware(ctx, next) {
    if (!isAdminPath(ctx.path) || PUBLIC_ADMIN_PATHS.has(ctx.path) || ctx.method === 'OPTIONS') {
      await next();
      return;
    }
    const principal = await authenticate(ctx, deps);
    if (READ_METHODS.has(ctx.method)) {
      assertRole(ctx, principal, 'analyst');
      await next();
      return;
    }
    const audit = (status: number): Promise<void> =>
      writeAudit(deps, principal, { action: `${ctx.method} ${ctx.path}`, target: ctx.querystring ? `?${ctx.querystring}` : null, status });
    try {
      // inside the try: a change refused for the role (403) is recorded too
      assertRole(ctx, principal, 'admin');
      await next();
    } catch (error) {
      await audit(isConnectionError(error) ? 503 : typeof (error as { status?: unknown }).status === 'number' ? (error as { status: number }).status : 500);
      throw error;
    }
    await audit(ctx.status);
  };
}

export async function writeAudit(deps: Pick<AdminAuthDeps, 'appPool' | 'logger'>, principal: Pick<Principal, 'companyId' | 'actorKind' | 'actor'> | { companyId: string; actorKind: 'anonymous'; actor: string }, entry: { action: string; target?: string | null; status: number; detail?: Record<string, unknown> }): Promise<void> {
  try {
    await withTenant(deps.appPool, principal.companyId, (tx) => recordAudit(tx, principal.companyId, { actorKind: principal.actorKind, actor: principal.actor, ...entry }));
  } catch (error) {
    // The action itself has already run (or failed); the missing audit row must not go unnoticed.
    deps.logger.error({ err: error, company_id: principal.companyId, action: entry.action, status: entry.status }, 'could not record an admin action in audit_log');
  }
}

// Queries on admin_users and audit_log (migration 0014). Users are created by the owner (`lux users add`);
// the app role reads them inside the company's tenant transaction and appends audit rows.
import { sql, type DatabasePool, type DatabaseTransactionConnection } from 'slonik';
import { z } from 'zod';
import { hashPassword } from './passwords';
import { ROLES, type Role } from './session-token';

export const loginSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9._@+-]{0,99}$/, 'expected 1–100 of a-z 0-9 . _ @ + - (starting with a letter or digit)');

export const adminUserInputSchema = z.object({
  companyId: z.string().uuid('expected a company id (UUID)'),
  login: loginSchema,
  role: z.enum(ROLES, { message: 'expected admin or analyst' }),
  password: z.string().min(12, 'expected a password of at least 12 characters').max(1024),
});
export type AdminUserInput = z.input<typeof adminUserInputSchema>;

const adminUserRow = z.object({ user_id: z.string().uuid(), login: z.string(), role: z.enum(ROLES), password_hash: z.string(), disabled_at: z.unknown() });
const listedUserRow = z.object({ user_id: z.string().uuid(), login: z.string(), role: z.enum(ROLES), created_at: z.unknown(), disabled_at: z.unknown() });

/** Owner pool (bypasses RLS): the CLI. */
export async function addAdminUser(ownerPool: DatabasePool, input: AdminUserInput): Promise<{ userId: string; login: string; role: Role }> {
  const user = adminUserInputSchema.parse(input);
  const passwordHash = await hashPassword(user.password);
  const row = await ownerPool.one(sql.type(z.object({ user_id: z.string().uuid() }))`
    INSERT INTO admin_users (company_id, login, password_hash, role)
    VALUES (${user.companyId}, ${user.login}, ${passwordHash}, ${user.role})
    RETURNING user_id`);
  return { userId: row.user_id, login: user.login, role: user.role };
}

export async function listAdminUsers(ownerPool: DatabasePool, companyId: string) {
  return ownerPool.any(sql.type(listedUserRow)`
    SELECT user_id, login, role, created_at, disabled_at FROM admin_users WHERE company_id = ${companyId} ORDER BY login`);
}

export async function disableAdminUser(ownerPool: DatabasePool, companyId: string, login: string): Promise<boolean> {
  const result = await ownerPool.query(sql.unsafe`
    UPDATE admin_users SET disabled_at = now() WHERE company_id = ${companyId} AND login = ${loginSchema.parse(login)} AND disabled_at IS NULL`);
  return result.rowCount > 0;
}

/** Tenant transaction: the user with this login, enabled or not (the caller checks the password first). */
export function findAdminUserByLogin(tx: DatabaseTransactionConnection, login: string) {
  return tx.maybeOne(sql.type(adminUserRow)`
    SELECT user_id, login, role, password_hash, disabled_at FROM admin_users WHERE login = ${login}`);
}

/** Tenant transaction: an enabled user's current role (a session token of a disabled user is refused). */
export async function activeAdminUserRole(tx: DatabaseTransactionConnection, userId: string): Promise<Role | undefined> {
  const row = await tx.maybeOne(sql.type(z.object({ role: z.enum(ROLES) }))`
    SELECT role FROM admin_users WHERE user_id = ${userId} AND disabled_at IS NULL`);
  return row?.role;
}

export type AuditEntry = {
  actorKind: 'secret_key' | 'user' | 'anonymous';
  actor: string;
  action: string;
  target?: string | null;
  status: number;
  detail?: Record<string, unknown>;
};

/** Tenant transaction: appends one audit row (the table rejects updates and deletes). */
export async function recordAudit(tx: DatabaseTransactionConnection, companyId: string, entry: AuditEntry): Promise<void> {
  await tx.query(sql.unsafe`
    INSERT INTO audit_log (company_id, actor_kind, actor, action, target, status, detail)
    VALUES (${companyId}, ${entry.actorKind}, ${entry.actor.slice(0, 200)}, ${entry.action.slice(0, 200)}, ${entry.target?.slice(0, 500) ?? null},
            ${entry.status}, ${sql.jsonb((entry.detail ?? {}) as Parameters<typeof sql.jsonb>[0])})`);
}

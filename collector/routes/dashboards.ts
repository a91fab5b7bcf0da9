// The built-in dashboards (for the embedded default, where no Metabase runs): the same dashboards/ SQL
// files, rendered as tables and Chart.js charts.
//   GET  /dashboards                      login form (or, signed in, the first dashboard)
//   POST /dashboards/login                form field `key` = a secret key with the admin scope, or
//                                         `company_id` + `login` + `password` of a user (admin or analyst) → session cookie
//   POST /dashboards/logout               clears the cookie
//   GET  /dashboards/:dashboard           the page (company picker, date range, a table and chart per question)
//   GET  /dashboards/api/:dashboard/:question?from=YYYY-MM-DD&to=YYYY-MM-DD[&channel=…]   the rows as JSON
//   GET  /dashboards/assets/chart.umd.min.js, /dashboards/assets/ui.js   Chart.js from node_modules, the page script
// Auth: the session cookie `lux_dash` (HttpOnly, SameSite=Strict, Path=/dashboards, 8 hours) holds either
// the SHA-256 of the secret key and an expiry, or a user's session token (lib/auth/session-token.ts),
// signed with an HMAC key derived from IP_HASH_SECRET; every request re-resolves it (revoking the key or
// disabling the user ends the session). The dashboards only read, so both roles (admin, analyst) may
// see them. The JSON API also takes `Authorization: Bearer <secret key or session token>`. The company is the key's, never a request parameter, and the SQL runs
// as lux_app under withTenant (lib/dashboards/run-question.ts).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Router from '@koa/router';
import type Koa from 'koa';
import { sql } from 'slonik';
import { z } from 'zod';
import { loadDashboards, type Dashboard } from '../../lib/dashboards/catalog';
import { runQuestion } from '../../lib/dashboards/run-question';
import type { DatabasePool } from '../../lib/db/pool';
import { withTenant } from '../../lib/db/tenant';
import { hashSecretKey, looksLikeSecretKey } from '../../lib/keys';
import type { Logger } from '../../lib/logger';
import { isRefusal, resolveCredential, type AdminAuthDeps } from '../auth/admin-auth';
import { readRawBody } from '../read-body';
import { signInUser } from './login';

export type DashboardRouteDeps = { appPool: DatabasePool; logger: Logger; ipHashSecret: string; auth: AdminAuthDeps };

export const SESSION_COOKIE = 'lux_dash';
const SESSION_SECONDS = 8 * 3600;
const ASSETS: Record<string, string> = {
  'chart.umd.min.js': path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js'),
  'ui.js': path.resolve(__dirname, '../dashboards/ui.js'),
};

const keyRow = z.object({ company_id: z.string().uuid(), scopes: z.array(z.string()) });
const companyRow = z.object({ name: z.string(), reporting_currency: z.string(), time_zone: z.string() });
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');
const filtersSchema = z.object({ from: day.optional(), to: day.optional(), channel: z.string().trim().min(1).max(100).optional() });

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function sessionSigner(ipHashSecret: string): { sign: (payload: string) => string; verify: (cookie: string) => string | undefined } {
  const key = createHmac('sha256', ipHashSecret).update('lux-dashboards-session-v1').digest();
  const mac = (payload: string): string => createHmac('sha256', key).update(payload).digest('base64url');
  return {
    sign: (payload) => `${payload}.${mac(payload)}`,
    verify: (cookie) => {
      const [payload, signature] = cookie.split('.');
      if (!payload || !signature) return undefined;
      const expected = Buffer.from(mac(payload));
      const given = Buffer.from(signature);
      return expected.length === given.length && timingSafeEqual(expected, given) ? payload : undefined;
    },
  };
}

export function dashboardRoutes(deps: DashboardRouteDeps): Router {
  const router = new Router({ prefix: '/dashboards' });
  const signer = sessionSigner(deps.ipHashSecret);
  const dashboards = loadDashboards();
  const bySlug = new Map(dashboards.map((d) => [d.slug, d]));

  /** The company of a live secret key (by its hash) with the admin scope; undefined otherwise. */
  async function companyOfKeyHash(keyHash: string): Promise<string | undefined> {
    const row = await deps.appPool.maybeOne(sql.type(keyRow)`SELECT company_id, scopes FROM resolve_secret_key(${keyHash})`);
    return row && row.scopes.includes('admin') ? row.company_id : undefined;
  }

  /** The company of a credential (secret key with the admin scope, or a user's session token, any role). */
  async function companyOfCredential(credential: string): Promise<string | undefined> {
    const principal = await resolveCredential(credential, deps.auth);
    return isRefusal(principal) ? undefined : principal.companyId;
  }

  const sessionPayload = z.union([z.object({ h: z.string().regex(/^[0-9a-f]{64}$/), exp: z.number() }), z.object({ t: z.string().min(1).max(4096) })]);

  async function authenticate(ctx: Koa.Context): Promise<string | undefined> {
    const bearer = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'))?.[1];
    if (bearer) return companyOfCredential(bearer);
    const cookie = ctx.cookies.get(SESSION_COOKIE);
    const payload = cookie ? signer.verify(cookie) : undefined;
    if (!payload) return undefined;
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    const session = sessionPayload.safeParse(decoded);
    if (!session.success) return undefined;
    if ('t' in session.data) return companyOfCredential(session.data.t); // the token carries its own expiry
    if (session.data.exp < Date.now() / 1000) return undefined;
    return companyOfKeyHash(session.data.h);
  }

  function setSession(ctx: Koa.Context, session: z.infer<typeof sessionPayload>): void {
    const payload = Buffer.from(JSON.stringify(session)).toString('base64url');
    ctx.cookies.set(SESSION_COOKIE, signer.sign(payload), { httpOnly: true, sameSite: 'strict', path: '/dashboards', maxAge: SESSION_SECONDS * 1000, overwrite: true, secure: ctx.secure });
  }

  router.get('/', async (ctx) => {
    if (await authenticate(ctx)) return ctx.redirect(`/dashboards/${dashboards[0]?.slug ?? ''}`);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = loginPage();
  });

  router.post('/login', async (ctx) => {
    const body = new URLSearchParams(await readRawBody(ctx, { limitBytes: 4096, encoding: 'utf8', what: 'login form' }));
    const refuse = (message: string): void => {
      ctx.status = 401;
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = loginPage(message);
    };
    const login = (body.get('login') ?? '').trim();
    if (login !== '') {
      // A user (admin or analyst) signs in with the company id, login and password.
      const sessionSecret = deps.auth.sessionSecret;
      const companyId = (body.get('company_id') ?? '').trim();
      if (!sessionSecret) return refuse('User sign-in is not configured here (ADMIN_SESSION_SECRET is not set); use a secret key.');
      if (!z.string().uuid().safeParse(companyId).success) return refuse('The company id must be the UUID the company was created with.');
      const signedIn = await signInUser({ ...deps.auth, sessionSecret }, { companyId, login, password: body.get('password') ?? '' }, 'POST /dashboards/login');
      if (!signedIn) return refuse('Unknown login or wrong password.');
      setSession(ctx, { t: signedIn.token });
      deps.logger.info({ company_id: companyId, user_id: signedIn.userId, role: signedIn.role }, 'dashboards login');
      ctx.status = 303;
      return ctx.redirect(`/dashboards/${dashboards[0]?.slug ?? ''}`);
    }
    const key = (body.get('key') ?? '').trim();
    const keyHash = looksLikeSecretKey(key) ? hashSecretKey(key) : undefined;
    const companyId = keyHash ? await companyOfKeyHash(keyHash) : undefined;
    if (!keyHash || !companyId) {
      deps.logger.warn({ path: ctx.path }, 'dashboards login refused: unknown, revoked or non-admin key');
      return refuse('That key is unknown, revoked, or lacks the admin scope.');
    }
    setSession(ctx, { h: keyHash, exp: Math.floor(Date.now() / 1000) + SESSION_SECONDS });
    deps.logger.info({ company_id: companyId }, 'dashboards login');
    ctx.status = 303;
    ctx.redirect(`/dashboards/${dashboards[0]?.slug ?? ''}`);
  });

  router.post('/logout', async (ctx) => {
    ctx.cookies.set(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'strict', path: '/dashboards', maxAge: 0 });
    ctx.status = 303;
    ctx.redirect('/dashboards');
  });

  router.get('/assets/:asset', async (ctx) => {
    const file = ASSETS[ctx.params.asset ?? ''];
    if (!file) return ctx.throw(404, 'no such asset');
    ctx.type = 'application/javascript; charset=utf-8';
    ctx.set('Cache-Control', 'private, max-age=300');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.body = await readFile(file, 'utf8');
  });

  router.get('/api/:dashboard/:question', async (ctx) => {
    const companyId = await authenticate(ctx);
    if (!companyId) return ctx.throw(401, 'dashboards need a session (POST /dashboards/login) or "Authorization: Bearer <secret key with the admin scope or session token>"');
    const question = bySlug.get(ctx.params.dashboard ?? '')?.questions.find((q) => q.slug === ctx.params.question);
    if (!question) return ctx.throw(404, 'no such dashboard question');
    const parsed = filtersSchema.safeParse(ctx.query);
    if (!parsed.success) return ctx.throw(400, `invalid filters: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const { from, to, channel } = parsed.data;
    const result = await runQuestion(deps.appPool, companyId, question, { date_from: from, date_to: to, channel });
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { dashboard: question.dashboard, question: question.slug, title: question.title, visualization: question.visualization, chart: question.chart ?? null, ...result };
  });

  router.get('/:dashboard', async (ctx) => {
    const companyId = await authenticate(ctx);
    if (!companyId) return ctx.redirect('/dashboards');
    const dashboard = bySlug.get(ctx.params.dashboard ?? '');
    if (!dashboard) return ctx.throw(404, 'no such dashboard');
    const company = await withTenant(deps.appPool, companyId, (tx) =>
      tx.one(sql.type(companyRow)`SELECT name, reporting_currency, time_zone FROM companies WHERE company_id = ${companyId}`),
    );
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Security-Policy', "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'");
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = dashboardPage(dashboards, dashboard, { id: companyId, ...company });
  });

  return router;
}

const STYLE = `
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1f2937; background: #f9fafb; }
  header { background: #111827; color: #fff; padding: 10px 20px; display: flex; gap: 16px; align-items: center; flex-wrap: wrap; }
  header a { color: #d1d5db; text-decoration: none; } header a.current { color: #fff; font-weight: 600; border-bottom: 2px solid #60a5fa; }
  form.filters { display: flex; gap: 12px; align-items: end; padding: 12px 20px; background: #fff; border-bottom: 1px solid #e5e7eb; }
  form.filters label { display: flex; flex-direction: column; font-size: 12px; color: #6b7280; }
  main { padding: 12px 20px; display: grid; gap: 16px; }
  section { background: #fff; border: 1px solid #e5e7eb; border-radius: 6px; padding: 12px 16px; }
  section h2 { font-size: 16px; margin: 0 0 4px; } section p { margin: 0 0 8px; color: #6b7280; font-size: 12px; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; } th, td { padding: 4px 8px; border-bottom: 1px solid #f3f4f6; text-align: left; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; } .chart { height: 240px; margin-bottom: 8px; }
  .error { color: #b91c1c; }`;

function loginPage(error?: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>LUX dashboards: sign in</title><style>${STYLE}</style></head>
<body><header><strong>LUX dashboards</strong></header><main><section>
<h2>Sign in</h2><p>Paste a secret key with the admin scope (<code>lux_sk_…</code>). The dashboards show that key's company.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/dashboards/login"><input name="key" type="password" autocomplete="off" size="60" required aria-label="Secret key"> <button type="submit">Sign in</button></form>
<h2>Or sign in as a user</h2><p>Users are created with <code>npm run lux -- users add</code> (role admin or analyst).</p>
<form method="post" action="/dashboards/login"><p><input name="company_id" size="40" required placeholder="company id" aria-label="Company id"></p><p><input name="login" required placeholder="login" aria-label="Login"> <input name="password" type="password" required placeholder="password" aria-label="Password"> <button type="submit">Sign in</button></p></form>
</section></main></body></html>`;
}

function dashboardPage(all: Dashboard[], dashboard: Dashboard, company: { id: string; name: string; reporting_currency: string; time_zone: string }): string {
  const nav = all.map((d) => `<a href="/dashboards/${d.slug}"${d.slug === dashboard.slug ? ' class="current" aria-current="page"' : ''}>${escapeHtml(d.title)}</a>`).join('');
  const usesChannel = dashboard.questions.some((q) => q.variables.some((v) => v.name === 'channel'));
  const sections = dashboard.questions
    .map(
      (q) => `<section data-question="${q.slug}" data-state="loading">
  <h2>${escapeHtml(q.title)}</h2><p>${escapeHtml(q.description)}</p>
  ${q.chart ? `<div class="chart"><canvas aria-label="${escapeHtml(q.title)} chart"></canvas></div>` : ''}
  <table><thead></thead><tbody></tbody></table></section>`,
    )
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(dashboard.title)} · LUX dashboards</title><style>${STYLE}</style></head>
<body data-dashboard="${dashboard.slug}" data-questions="${dashboard.questions.map((q) => q.slug).join(',')}">
<header><strong>LUX</strong>${nav}<form method="post" action="/dashboards/logout" style="margin-left:auto"><button type="submit">Sign out</button></form></header>
<form class="filters" id="filters">
  <label>Company<select name="company" id="company"><option value="${company.id}" selected>${escapeHtml(company.name)} (${escapeHtml(company.reporting_currency)}, ${escapeHtml(company.time_zone)})</option></select></label>
  <label>From<input type="date" name="from" id="from"></label>
  <label>To<input type="date" name="to" id="to"></label>
  ${usesChannel ? '<label>Channel<input type="text" name="channel" id="channel" placeholder="all channels" size="14"></label>' : ''}
  <button type="submit">Apply</button>
</form>
<main><h1 style="font-size:20px;margin:0">${escapeHtml(dashboard.title)}</h1>
${sections}
</main>
<script src="/dashboards/assets/chart.umd.min.js"></script>
<script src="/dashboards/assets/ui.js"></script>
</body></html>`;
}

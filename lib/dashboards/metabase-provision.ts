// Provisions Metabase from the dashboards/ folder through Metabase's REST API, idempotently: the
// database connection, one collection, one native-query card per SQL file and one dashboard per folder.
// Existing items are found by an entity marker at the end of their description (`lux:<dashboard>/<question>`,
// `lux:dashboard/<dashboard>`), so a renamed card is still found; re-running updates them (PUT), never
// creates a second copy. Endpoints used (Metabase ≥ 0.47):
//   POST /api/session                 (or the x-api-key header with an API key)
//   GET/POST /api/database, PUT /api/database/:id
//   GET/POST /api/collection, GET /api/collection/:id/items?models=dashboard
//   GET /api/card, POST /api/card, PUT /api/card/:id
//   POST /api/dashboard, GET/PUT /api/dashboard/:id (dashcards and parameters in the PUT body)
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { loadDashboards, type Dashboard, type Question } from './catalog';

export const metabaseEnvSchema = z
  .object({
    METABASE_URL: z.string().url('expected the Metabase base URL, e.g. http://127.0.0.1:3000'),
    METABASE_API_KEY: z.string().min(1).optional(),
    METABASE_USER: z.string().min(1).optional(),
    METABASE_PASSWORD: z.string().min(1).optional(),
    /** The Postgres connection Metabase itself should use (as Metabase's container sees it). */
    METABASE_DB_URL: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL'),
    METABASE_DATABASE_NAME: z.string().min(1).default('LUX Analytics'),
    METABASE_COLLECTION: z.string().min(1).default('LUX dashboards'),
  })
  .refine((e) => e.METABASE_API_KEY !== undefined || (e.METABASE_USER !== undefined && e.METABASE_PASSWORD !== undefined), {
    message: 'set METABASE_API_KEY, or both METABASE_USER and METABASE_PASSWORD',
    path: ['METABASE_API_KEY'],
  });
export type MetabaseEnv = z.infer<typeof metabaseEnvSchema>;

export type ProvisionCounts = { created: number; updated: number };
export type ProvisionResult = { databaseId: number; collectionId: number; cards: ProvisionCounts; dashboards: ProvisionCounts; database: 'created' | 'updated'; collection: 'created' | 'found' };

const idRow = z.object({ id: z.number() }).passthrough();
const named = z.object({ id: z.number(), name: z.string(), description: z.string().nullable().optional(), archived: z.boolean().optional(), collection_id: z.number().nullable().optional() }).passthrough();
const dashcardRow = z.object({ id: z.number(), card_id: z.number().nullable() }).passthrough();
const dashboardRow = named.extend({ dashcards: z.array(dashcardRow).optional(), ordered_cards: z.array(dashcardRow).optional() });

/** A list endpoint's items: Metabase answers some with a bare array, others with { data: [...] }. */
const listOf = <T extends z.ZodTypeAny>(item: T) => z.union([z.array(item), z.object({ data: z.array(item) }).passthrough().transform((v) => v.data as Array<z.infer<T>>)]);

export const cardMarker = (q: Question): string => `lux:${q.dashboard}/${q.slug}`;
export const dashboardMarker = (d: Dashboard): string => `lux:dashboard/${d.slug}`;
const withMarker = (text: string, marker: string): string => `${text}\n\n${marker}`;
const hasMarker = (description: string | null | undefined, marker: string): boolean => (description ?? '').trim().endsWith(marker);

/** A stable UUID-shaped id (Metabase wants one per template tag), derived from what it names. */
const stableId = (seed: string): string => {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

const VARIABLE_TYPES: Record<string, { type: 'text' | 'date'; display: string; parameter: { id: string; type: string } }> = {
  company_id: { type: 'text', display: 'Company id', parameter: { id: 'lux_company_id', type: 'category' } },
  date_from: { type: 'date', display: 'From', parameter: { id: 'lux_date_from', type: 'date/single' } },
  date_to: { type: 'date', display: 'To', parameter: { id: 'lux_date_to', type: 'date/single' } },
  channel: { type: 'text', display: 'Channel', parameter: { id: 'lux_channel', type: 'category' } },
};

export function templateTags(q: Question): Record<string, unknown> {
  return Object.fromEntries(
    q.variables.map((v) => {
      const known = VARIABLE_TYPES[v.name] ?? { type: 'text' as const, display: v.name };
      return [v.name, { id: stableId(`${cardMarker(q)}:${v.name}`), name: v.name, 'display-name': known.display, type: known.type, required: v.required }];
    }),
  );
}

function visualizationSettings(q: Question): Record<string, unknown> {
  if (!q.chart) return {};
  return {
    'graph.dimensions': q.chart.series ? [q.chart.x, q.chart.series] : [q.chart.x],
    'graph.metrics': q.chart.series ? q.chart.y.slice(0, 1) : q.chart.y,
    ...(q.chart.stacked ? { 'stackable.stack_type': 'stacked' } : {}),
  };
}

export function cardBody(q: Question, databaseId: number, collectionId: number, dashboardTitle: string): Record<string, unknown> {
  return {
    name: `${dashboardTitle}: ${q.title}`,
    description: withMarker(q.description, cardMarker(q)),
    collection_id: collectionId,
    display: q.visualization,
    visualization_settings: visualizationSettings(q),
    dataset_query: { type: 'native', database: databaseId, native: { query: q.sql, 'template-tags': templateTags(q) } },
  };
}

export function databaseDetails(url: string): Record<string, unknown> {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    dbname: decodeURIComponent(u.pathname.replace(/^\//, '')),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    ssl: u.searchParams.get('sslmode') === 'require',
  };
}

class MetabaseClient {
  private headers: Record<string, string> = { 'content-type': 'application/json' };
  constructor(private readonly base: string) {}

  async login(env: MetabaseEnv): Promise<void> {
    if (env.METABASE_API_KEY) {
      this.headers['x-api-key'] = env.METABASE_API_KEY;
      return;
    }
    const session = z.object({ id: z.string() }).parse(await this.call('POST', '/api/session', { username: env.METABASE_USER, password: env.METABASE_PASSWORD }));
    this.headers['x-metabase-session'] = session.id;
  }

  async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(new URL(path, this.base), { method, headers: this.headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    if (!response.ok) throw new Error(`Metabase ${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
    return text ? (JSON.parse(text) as unknown) : null;
  }
}

export async function provisionMetabase(env: MetabaseEnv, log: (line: string) => void = () => undefined, dashboards = loadDashboards()): Promise<ProvisionResult> {
  const mb = new MetabaseClient(env.METABASE_URL);
  await mb.login(env);

  // section: the database connection
  const details = databaseDetails(env.METABASE_DB_URL);
  const databases = listOf(named).parse(await mb.call('GET', '/api/database'));
  const existingDb = databases.find((d) => d.name === env.METABASE_DATABASE_NAME);
  let databaseId: number;
  if (existingDb) {
    await mb.call('PUT', `/api/database/${existingDb.id}`, { name: env.METABASE_DATABASE_NAME, engine: 'postgres', details });
    databaseId = existingDb.id;
  } else {
    databaseId = idRow.parse(await mb.call('POST', '/api/database', { name: env.METABASE_DATABASE_NAME, engine: 'postgres', details })).id;
  }
  log(`database "${env.METABASE_DATABASE_NAME}" ${existingDb ? 'updated' : 'created'} (id ${databaseId})`);

  // section: the collection
  const collections = listOf(named.extend({ id: z.union([z.number(), z.string()]) })).parse(await mb.call('GET', '/api/collection'));
  const existingCollection = collections.find((c) => typeof c.id === 'number' && c.name === env.METABASE_COLLECTION && !c.archived);
  const collectionId = existingCollection
    ? (existingCollection.id as number)
    : idRow.parse(await mb.call('POST', '/api/collection', { name: env.METABASE_COLLECTION, color: '#509EE3', description: 'Provisioned by npm run metabase:provision (LUX dashboards/).' })).id;

  // section: cards
  const cards = listOf(named).parse(await mb.call('GET', '/api/card')).filter((c) => !c.archived);
  const cardCounts: ProvisionCounts = { created: 0, updated: 0 };
  const cardIds = new Map<string, number>();
  for (const dashboard of dashboards) {
    for (const q of dashboard.questions) {
      const body = cardBody(q, databaseId, collectionId, dashboard.title);
      const existing = cards.find((c) => hasMarker(c.description, cardMarker(q)));
      if (existing) {
        await mb.call('PUT', `/api/card/${existing.id}`, body);
        cardIds.set(cardMarker(q), existing.id);
        cardCounts.updated += 1;
      } else {
        cardIds.set(cardMarker(q), idRow.parse(await mb.call('POST', '/api/card', body)).id);
        cardCounts.created += 1;
      }
    }
  }
  log(`cards: ${cardCounts.created} created, ${cardCounts.updated} updated`);

  // section: dashboards (found among the collection's items, then read for their dashcards)
  const items = listOf(named.extend({ model: z.string().optional() })).parse(await mb.call('GET', `/api/collection/${collectionId}/items?models=dashboard`));
  const dashboardCounts: ProvisionCounts = { created: 0, updated: 0 };
  for (const dashboard of dashboards) {
    const description = withMarker(dashboard.description, dashboardMarker(dashboard));
    const candidates = items.filter((i) => (i.model ?? 'dashboard') === 'dashboard');
    let found: z.infer<typeof dashboardRow> | undefined;
    for (const candidate of candidates) {
      const full = dashboardRow.parse(await mb.call('GET', `/api/dashboard/${candidate.id}`));
      if (hasMarker(full.description, dashboardMarker(dashboard)) && !full.archived) {
        found = full;
        break;
      }
    }
    const id = found ? found.id : idRow.parse(await mb.call('POST', '/api/dashboard', { name: dashboard.title, description, collection_id: collectionId })).id;
    const existingDashcards = found?.dashcards ?? found?.ordered_cards ?? [];
    const used = new Set(dashboard.questions.flatMap((q) => q.variables.map((v) => v.name)));
    const parameters = [...used]
      .filter((name) => VARIABLE_TYPES[name])
      .map((name) => {
        const v = VARIABLE_TYPES[name];
        return { id: v?.parameter.id, slug: name, name: v?.display, type: v?.parameter.type, sectionId: v?.type === 'date' ? 'date' : 'string', ...(name === 'company_id' ? { required: true } : {}) };
      });
    let row = 0;
    let newId = -1;
    const dashcards = dashboard.questions.map((q) => {
      const cardId = cardIds.get(cardMarker(q)) ?? 0;
      const sizeY = q.chart ? 8 : 6;
      const dashcard = {
        id: existingDashcards.find((d) => d.card_id === cardId)?.id ?? newId--,
        card_id: cardId,
        row,
        col: 0,
        size_x: 24,
        size_y: sizeY,
        parameter_mappings: q.variables
          .filter((v) => VARIABLE_TYPES[v.name])
          .map((v) => ({ parameter_id: VARIABLE_TYPES[v.name]?.parameter.id, card_id: cardId, target: ['variable', ['template-tag', v.name]] })),
        visualization_settings: {},
      };
      row += sizeY;
      return dashcard;
    });
    await mb.call('PUT', `/api/dashboard/${id}`, { name: dashboard.title, description, collection_id: collectionId, parameters, dashcards });
    if (found) dashboardCounts.updated += 1;
    else dashboardCounts.created += 1;
  }
  log(`dashboards: ${dashboardCounts.created} created, ${dashboardCounts.updated} updated`);
  return { databaseId, collectionId, cards: cardCounts, dashboards: dashboardCounts, database: existingDb ? 'updated' : 'created', collection: existingCollection ? 'found' : 'created' };
}

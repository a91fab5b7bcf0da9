// A fake Metabase: just the REST endpoints scripts/metabase-provision.ts calls, with in-memory state,
// answering in Metabase's shapes (GET /api/database as { data, total }, GET /api/card and
// GET /api/collection as arrays, collection items as { data, total }, dashboards with `dashcards`).
// Auth as Metabase does it: POST /api/session → { id }, then X-Metabase-Session; or an x-api-key.
import { startFakeServer, type FakeServer, type RecordedRequest, type Reply } from './fake-server';

type Entity = Record<string, unknown> & { id: number };
export type FakeMetabase = FakeServer & {
  state: { databases: Entity[]; collections: Entity[]; cards: Entity[]; dashboards: Entity[] };
};

export const FAKE_METABASE_USER = { username: 'admin@lux.localhost', password: 'metabase-admin-1' };
export const FAKE_METABASE_API_KEY = 'mb_fake_api_key';

export async function startFakeMetabase(): Promise<FakeMetabase> {
  const state: FakeMetabase['state'] = { databases: [], collections: [], cards: [], dashboards: [] };
  const sessions = new Set<string>();
  let nextId = 1;
  let nextDashcard = 100;

  const json = (request: RecordedRequest): Record<string, unknown> => JSON.parse(request.body || '{}') as Record<string, unknown>;
  const ok = (body: unknown): Reply => ({ status: 200, body });
  const notFound: Reply = { status: 404, body: 'Not found.' };

  function create(list: Entity[], body: Record<string, unknown>): Reply {
    const entity = { ...body, id: nextId++, archived: false };
    list.push(entity);
    return ok(entity);
  }
  function update(list: Entity[], id: number, body: Record<string, unknown>): Reply {
    const entity = list.find((e) => e.id === id);
    if (!entity) return notFound;
    Object.assign(entity, body, { id });
    return ok(entity);
  }

  const server = await startFakeServer((request) => {
    const { method, path } = request;
    if (method === 'POST' && path === '/api/session') {
      const body = json(request);
      if (body.username !== FAKE_METABASE_USER.username || body.password !== FAKE_METABASE_USER.password) return { status: 401, body: { errors: { password: 'did not match stored password' } } };
      const id = `session-${sessions.size + 1}`;
      sessions.add(id);
      return ok({ id });
    }
    const authed = sessions.has(request.headers['x-metabase-session'] ?? '') || request.headers['x-api-key'] === FAKE_METABASE_API_KEY;
    if (!authed) return { status: 401, body: 'Unauthenticated' };

    const match = /^\/api\/(database|collection|card|dashboard)(?:\/(\d+))?(\/items)?$/.exec(path);
    if (!match) return notFound;
    const [, kind, idText, items] = match;
    const id = idText ? Number(idText) : undefined;
    const list = kind === 'database' ? state.databases : kind === 'collection' ? state.collections : kind === 'card' ? state.cards : state.dashboards;

    if (kind === 'collection' && items && method === 'GET') {
      const models = request.query.models;
      const data = [
        ...(models === undefined || models === 'dashboard' ? state.dashboards.filter((d) => d.collection_id === id && !d.archived).map((d) => ({ id: d.id, name: d.name, description: d.description, model: 'dashboard' })) : []),
        ...(models === undefined || models === 'card' ? state.cards.filter((c) => c.collection_id === id && !c.archived).map((c) => ({ id: c.id, name: c.name, description: c.description, model: 'card' })) : []),
      ];
      return ok({ data, total: data.length, models: ['dashboard', 'card'] });
    }
    if (method === 'GET' && id === undefined) {
      if (kind === 'database') return ok({ data: list, total: list.length });
      if (kind === 'collection') return ok([{ id: 'root', name: 'Our analytics' }, ...list]);
      return ok(list);
    }
    if (method === 'GET' && id !== undefined) {
      const entity = list.find((e) => e.id === id);
      return entity ? ok(entity) : notFound;
    }
    if (method === 'POST' && id === undefined) {
      const body = json(request);
      if (kind === 'card' && (body.dataset_query as { type?: string } | undefined)?.type !== 'native') return { status: 400, body: { errors: { dataset_query: 'expected a native query' } } };
      if (kind === 'dashboard') return create(list, { ...body, dashcards: [], parameters: [] });
      return create(list, body);
    }
    if (method === 'PUT' && id !== undefined) {
      const body = json(request);
      if (kind === 'dashboard' && Array.isArray(body.dashcards)) {
        // Metabase: dashcards with a negative id are created, the others updated, the missing ones removed
        body.dashcards = (body.dashcards as Array<Record<string, unknown>>).map((d) => ({ ...d, id: typeof d.id === 'number' && d.id < 0 ? nextDashcard++ : d.id }));
      }
      return update(list, id, body);
    }
    return { status: 405, body: 'Method not allowed' };
  });
  return Object.assign(server, { state });
}

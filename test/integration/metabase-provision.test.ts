// Metabase provisioning against the fake Metabase (test/support/fakes/metabase.ts): the first run
// creates the database connection, the collection, one card per SQL file and the eight dashboards; a
// second run finds them all again by their markers and updates them in place (same counts, same ids,
// same dashcard ids), also after someone renamed a card in Metabase.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadDashboards } from '../../lib/dashboards/catalog';
import { metabaseEnvSchema, provisionMetabase, type MetabaseEnv } from '../../lib/dashboards/metabase-provision';
import { FAKE_METABASE_API_KEY, FAKE_METABASE_USER, startFakeMetabase, type FakeMetabase } from '../support/fakes/metabase';

const execFileAsync = promisify(execFile);
const root = path.resolve(__dirname, '../..');

let metabase: FakeMetabase;
let env: MetabaseEnv;
const dashboards = loadDashboards();
const questionCount = dashboards.reduce((n, d) => n + d.questions.length, 0);

beforeEach(async () => {
  metabase = await startFakeMetabase();
  env = metabaseEnvSchema.parse({
    METABASE_URL: metabase.url,
    METABASE_USER: FAKE_METABASE_USER.username,
    METABASE_PASSWORD: FAKE_METABASE_USER.password,
    METABASE_DB_URL: 'postgres://lux_reporting:s3cret@postgres:5432/lux',
  });
});
afterEach(async () => {
  await metabase.close();
});

describe('metabase provisioning', () => {
  it('creates the database, collection, a native card per SQL file with template tags, and the eight dashboards wired to them', async () => {
    const result = await provisionMetabase(env);
    expect(result.cards).toEqual({ created: questionCount, updated: 0 });
    expect(result.dashboards).toEqual({ created: 8, updated: 0 });
    const { databases, collections, cards, dashboards: boards } = metabase.state;
    expect(databases).toHaveLength(1);
    expect(databases[0]).toMatchObject({ name: 'LUX Analytics', engine: 'postgres', details: { host: 'postgres', port: 5432, dbname: 'lux', user: 'lux_reporting', password: 's3cret' } });
    expect(collections).toHaveLength(1);
    expect(cards).toHaveLength(questionCount);
    expect(boards).toHaveLength(8);

    const kpis = cards.find((c) => String(c.description).endsWith('lux:executive/kpis'));
    expect(kpis).toMatchObject({ name: 'Executive KPIs: Headline KPIs vs the previous period', display: 'table', collection_id: result.collectionId });
    const query = (kpis?.dataset_query ?? {}) as { type: string; database: number; native: { query: string; 'template-tags': Record<string, { type: string; required: boolean; name: string }> } };
    expect(query.type).toBe('native');
    expect(query.database).toBe(result.databaseId);
    expect(query.native.query).toContain('company_id = {{company_id}}');
    expect(query.native['template-tags'].company_id).toMatchObject({ name: 'company_id', type: 'text', required: true });
    expect(query.native['template-tags'].date_from).toMatchObject({ type: 'date', required: false });

    const executive = boards.find((b) => b.name === 'Executive KPIs');
    const dashcards = executive?.dashcards as Array<{ card_id: number; parameter_mappings: Array<{ parameter_id: string; target: unknown }> }>;
    expect(dashcards.map((d) => d.card_id)).toEqual(dashboards[0]?.questions.map((q) => cards.find((c) => String(c.description).endsWith(`lux:executive/${q.slug}`))?.id));
    expect(dashcards[0]?.parameter_mappings).toContainEqual({ parameter_id: 'lux_company_id', card_id: kpis?.id, target: ['variable', ['template-tag', 'company_id']] });
    expect((executive?.parameters as Array<{ slug: string }>).map((p) => p.slug).sort()).toEqual(['company_id', 'date_from', 'date_to']);
  });

  it('run twice: same counts, everything updated in place, never duplicated (also a card renamed in Metabase meanwhile)', async () => {
    await provisionMetabase(env);
    const before = structuredClone(metabase.state);
    const renamed = metabase.state.cards[0];
    if (renamed) renamed.name = 'Renamed by an analyst';
    const second = await provisionMetabase(env);
    expect(second).toMatchObject({ database: 'updated', collection: 'found', cards: { created: 0, updated: questionCount }, dashboards: { created: 0, updated: 8 } });
    const after = metabase.state;
    expect(after.databases).toHaveLength(1);
    expect(after.collections).toHaveLength(1);
    expect(after.cards.map((c) => c.id)).toEqual(before.cards.map((c) => c.id));
    expect(after.dashboards.map((d) => d.id)).toEqual(before.dashboards.map((d) => d.id));
    expect(after.dashboards.map((d) => (d.dashcards as Array<{ id: number }>).map((x) => x.id))).toEqual(before.dashboards.map((d) => (d.dashcards as Array<{ id: number }>).map((x) => x.id)));
    expect(after.cards[0]?.name).toBe(before.cards[0]?.name);
    expect(metabase.requests.filter((r) => r.method === 'POST' && r.path !== '/api/session').length).toBe(1 + 1 + questionCount + 8);
  });

  it('signs in with an API key instead of a session', async () => {
    const result = await provisionMetabase(metabaseEnvSchema.parse({ METABASE_URL: metabase.url, METABASE_API_KEY: FAKE_METABASE_API_KEY, METABASE_DB_URL: 'postgres://u:p@db/lux' }));
    expect(result.cards.created).toBe(questionCount);
    expect(metabase.requests.some((r) => r.path === '/api/session')).toBe(false);
  });

  it('npm run metabase:provision: refuses an incomplete environment with exit code 78, and provisions with a valid one', async () => {
    const tsx = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const bare = { PATH: process.env.PATH ?? '' };
    const refused = await execFileAsync(process.execPath, [tsx, 'scripts/metabase-provision.ts'], { cwd: root, env: { ...bare, METABASE_URL: metabase.url, METABASE_DB_URL: 'postgres://u:p@db/lux' } }).catch((e: { code: number; stderr: string }) => e);
    expect(refused).toMatchObject({ code: 78 });
    expect((refused as { stderr: string }).stderr).toContain('METABASE_API_KEY');
    const run = await execFileAsync(process.execPath, [tsx, 'scripts/metabase-provision.ts'], {
      cwd: root,
      env: { ...bare, METABASE_URL: metabase.url, METABASE_API_KEY: FAKE_METABASE_API_KEY, DATABASE_URL: 'postgres://u:p@db:5432/lux' },
    });
    expect(run.stdout).toContain(`cards: ${questionCount} created, 0 updated`);
    expect(metabase.state.databases[0]).toMatchObject({ details: { host: 'db', dbname: 'lux' } });
  });
});

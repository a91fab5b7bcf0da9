// `npm run metabase:provision`: creates or updates, in a running Metabase (docker compose up -d metabase),
// the LUX database connection, a collection, one card per dashboards/ SQL file and the eight dashboards
// (lib/dashboards/metabase-provision.ts). Idempotent: re-running updates, never duplicates.
// Environment: METABASE_URL, METABASE_API_KEY or METABASE_USER + METABASE_PASSWORD, METABASE_DB_URL (the
// Postgres URL Metabase connects with; default DATABASE_URL), METABASE_DATABASE_NAME, METABASE_COLLECTION.
import { metabaseEnvSchema, provisionMetabase } from '../lib/dashboards/metabase-provision';
import { describeIssues } from '../lib/zod-issues';

async function main(): Promise<void> {
  const parsed = metabaseEnvSchema.safeParse({ ...process.env, METABASE_DB_URL: process.env.METABASE_DB_URL ?? process.env.DATABASE_URL });
  if (!parsed.success) {
    for (const line of describeIssues(parsed.error)) process.stderr.write(`metabase:provision: ${line}\n`);
    process.exit(78);
  }
  const result = await provisionMetabase(parsed.data, (line) => process.stdout.write(`${line}\n`));
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`metabase:provision: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

// A fresh database per test file, cloned from the migrated template, with an owner pool (bypasses
// RLS: for fixtures) and an app pool (role lux_app: what the services use).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { deriveAppDatabaseUrl } from '../../lib/config';
import { createDatabasePool, type DatabasePool } from '../../lib/db/pool';
import { databaseUrl } from '../../scripts/lib/postgres';
import { testEnv } from './env';

export type TestDatabase = {
  name: string;
  ownerUrl: string;
  appUrl: string;
  ownerPool: DatabasePool;
  appPool: DatabasePool;
  drop: () => Promise<void>;
};

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: testEnv('adminUrl') });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `lux_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${testEnv('templateDb')}`);
  const ownerUrl = databaseUrl(testEnv('adminUrl'), name);
  const appUrl = deriveAppDatabaseUrl(ownerUrl);
  const ownerPool = await createDatabasePool(ownerUrl, { maximumPoolSize: 3 });
  const appPool = await createDatabasePool(appUrl, { maximumPoolSize: 5 });
  return {
    name,
    ownerUrl,
    appUrl,
    ownerPool,
    appPool,
    drop: async () => {
      await appPool.end();
      await ownerPool.end();
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

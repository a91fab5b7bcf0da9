// lib/db/pg-binary.ts against a real server: what the writer encodes is byte for byte what Postgres's own
// send functions produce for the same values (array_send, record_send), a real server receives it as a
// binary parameter with the same values and refuses a field of the wrong type, and attribution_write_row has the field count the attribution
// activity writes.
import { sql } from 'slonik';
import { z } from 'zod';
import { PgCompositeArrayWriter } from '../../lib/db/pg-binary';
import { createTestDatabase, type TestDatabase } from '../support/database';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.ownerPool.query(sql.unsafe`CREATE TYPE pg_binary_probe AS (a text, b integer, c bigint, d timestamptz, e text[], f bigint[])`);
});
afterAll(async () => {
  await db?.drop();
});

type Probe = { a: string | null; b: number | null; c: number | null; dUs: number | null; e: (string | null)[]; f: number[] };
const PROBES: Probe[] = [
  { a: 'plain', b: 1, c: 9_007_199_254_740_991, dUs: 1_767_225_600_123_456, e: ['x', 'y'], f: [1, -2, 3] },
  { a: 'ünïcødé ✓ "quoted" \\ {braces}, commas', b: -2_147_483_648, c: -9_007_199_254_740_991, dUs: 0, e: ['a', null, ''], f: [] },
  { a: null, b: null, c: null, dUs: null, e: [], f: [0] },
];

async function probeOid(): Promise<number> {
  return db.ownerPool.oneFirst(sql.type(z.object({ oid: z.number() }))`SELECT 'pg_binary_probe'::regtype::oid::int AS oid`);
}

function encode(oid: number, probes: readonly Probe[]): Buffer {
  const out = new PgCompositeArrayWriter(oid, 8);
  for (const p of probes) {
    out.beginElement(6);
    out.writer.fieldText(p.a);
    out.writer.fieldInt4(p.b);
    out.writer.fieldInt8(p.c);
    out.writer.fieldTimestamptzMicros(p.dUs);
    out.writer.fieldTextArray(p.e.length, (k) => p.e[k] ?? null);
    out.writer.fieldInt8Array(p.f.length, (k) => p.f[k] ?? 0);
    out.endElement();
  }
  const param = out.finish();
  if (!param) throw new Error('no elements');
  return param;
}

it('encodes exactly what Postgres itself sends for the same composites', async () => {
  const ours = encode(await probeOid(), PROBES);
  const theirs = await db.ownerPool.oneFirst(sql.type(z.object({ bytes: z.instanceof(Buffer) }))`
    SELECT array_send(array_agg(ROW(p.a, p.b, p.c, timestamptz '1970-01-01T00:00:00Z' + p.d_us * interval '1 microsecond', p.e, p.f)::pg_binary_probe ORDER BY p.i)) AS bytes
    FROM jsonb_to_recordset(${JSON.stringify(PROBES.map((p, i) => ({ i, a: p.a, b: p.b, c: p.c, d_us: p.dUs, e: p.e, f: p.f })))}::jsonb)
      AS p(i int, a text, b int, c bigint, d_us bigint, e text[], f bigint[])`);
  expect(ours.toString('hex')).toBe(theirs.toString('hex'));
});

it('is received as a binary parameter with every value intact', async () => {
  const rows = await db.ownerPool.any(sql.type(z.object({ a: z.string().nullable(), b: z.number().nullable(), c: z.string().nullable(), d: z.string().nullable(), e: z.array(z.string().nullable()), f: z.array(z.string()) }))`
    SELECT a, b, c::text AS c, to_char(d AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS d, e, f::text[] AS f
    FROM unnest(${sql.binary(encode(await probeOid(), PROBES))}::pg_binary_probe[]) WITH ORDINALITY AS u(a, b, c, d, e, f, n) ORDER BY n`);
  expect(rows).toEqual([
    { a: 'plain', b: 1, c: '9007199254740991', d: '2026-01-01T00:00:00.123456', e: ['x', 'y'], f: ['1', '-2', '3'] },
    { a: PROBES[1]?.a, b: -2_147_483_648, c: '-9007199254740991', d: '1970-01-01T00:00:00.000000', e: ['a', null, ''], f: [] },
    { a: null, b: null, c: null, d: null, e: [], f: ['0'] },
  ]);
});

it('is refused with a clear error, storing nothing, when a field does not match the type (a stale encoder)', async () => {
  await db.ownerPool.query(sql.unsafe`CREATE TABLE pg_binary_sink (b integer)`);
  const out = new PgCompositeArrayWriter(await probeOid());
  out.beginElement(6);
  out.writer.fieldText('a');
  out.writer.fieldInt8(1); // column b is integer
  out.endElement();
  const param = out.finish();
  if (!param) throw new Error('no elements');
  await expect(db.ownerPool.query(sql.unsafe`INSERT INTO pg_binary_sink SELECT b FROM unnest(${sql.binary(param)}::pg_binary_probe[])`)).rejects.toThrow(
    /binary data has type 20 \(bigint\) instead of expected 23 \(integer\) in record column 2/,
  );
  // and a record with too few fields
  const short = new PgCompositeArrayWriter(await probeOid());
  short.beginElement(1);
  short.writer.fieldText('a');
  short.endElement();
  await expect(db.ownerPool.query(sql.unsafe`INSERT INTO pg_binary_sink SELECT b FROM unnest(${sql.binary(short.finish() ?? Buffer.alloc(0))}::pg_binary_probe[])`)).rejects.toThrow(/wrong number of columns: 1, expected 6/);
  expect(await db.ownerPool.oneFirst(sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM pg_binary_sink`)).toBe(0);
});

it('attribution_write_row has the 39 fields the attribution activity writes, in its order', async () => {
  const fields = await db.ownerPool.anyFirst(sql.type(z.object({ attname: z.string() }))`
    SELECT attname FROM pg_attribute WHERE attrelid = 'attribution_write_row'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`);
  expect(fields).toHaveLength(39);
  // the path arrays sit between the last-touch fields and the digest, in attribution_paths' column order
  const pathColumns = await db.ownerPool.anyFirst(sql.type(z.object({ attname: z.string() }))`
    SELECT attname FROM pg_attribute WHERE attrelid = 'attribution_paths'::regclass AND attnum > 0 AND NOT attisdropped
      AND attname NOT IN ('company_id', 'source', 'external_id') ORDER BY attnum`);
  expect(fields.slice(23, 38)).toEqual(pathColumns);
  expect(fields[38]).toBe('path_digest');
});

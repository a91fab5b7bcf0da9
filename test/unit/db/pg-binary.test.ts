// The binary writer's byte layouts, worked out by hand from PostgreSQL's receive functions (array_recv,
// record_recv, int8recv, timestamptz_recv, textrecv). test/integration/pg-binary.test.ts checks the same
// encodings against what a real server sends and receives.
import { PG_OID, PgBinaryWriter, PgCompositeArrayWriter } from '../../../lib/db/pg-binary';

const hex = (b: Buffer): string => b.toString('hex');
const int32 = (n: number): string => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return hex(b);
};

describe('PgBinaryWriter', () => {
  it('writes int8 big-endian from safe integers, negatives in two’s complement', () => {
    const w = new PgBinaryWriter(1);
    w.int64(0);
    w.int64(-1);
    w.int64(2 ** 40 + 5);
    w.int64(Number.MAX_SAFE_INTEGER);
    w.int64(-(2 ** 32));
    expect(hex(w.bytes)).toBe(
      '0000000000000000' + 'ffffffffffffffff' + '0000010000000005' + '001fffffffffffff' + 'ffffffff00000000',
    );
  });

  it('refuses a number that is not a safe integer rather than rounding it', () => {
    const w = new PgBinaryWriter();
    expect(() => w.int64(2 ** 53)).toThrow(RangeError);
    expect(() => w.int64(1.5)).toThrow(RangeError);
  });

  it('writes record fields as type OID, byte length (-1 for NULL) and value', () => {
    const w = new PgBinaryWriter(2); // grows as it goes
    w.fieldText('é€');
    w.fieldText(null);
    w.fieldInt4(-2);
    w.fieldInt8(null);
    expect(hex(w.bytes)).toBe(
      int32(PG_OID.text) + int32(5) + 'c3a9e282ac' + int32(PG_OID.text) + int32(-1) + int32(PG_OID.int4) + int32(4) + int32(-2) + int32(PG_OID.int8) + int32(-1),
    );
  });

  it('writes short ASCII, long ASCII and non-ASCII text alike (two code paths, one encoding)', () => {
    for (const value of ['0c9d6f43-8d1e-4a4e-9a57-3f1f2a1b9c10', 'x'.repeat(64), 'y'.repeat(65), 'ascii then ü', `${'z'.repeat(63)}€`]) {
      const w = new PgBinaryWriter(1);
      w.fieldText(value);
      const utf8 = Buffer.from(value, 'utf8');
      expect(hex(w.bytes)).toBe(int32(PG_OID.text) + int32(utf8.length) + hex(utf8));
    }
  });

  it('writes timestamptz as µs since 2000-01-01 from µs since 1970', () => {
    const w = new PgBinaryWriter();
    w.fieldTimestamptzMicros(946_684_800_000_001); // 2000-01-01T00:00:00.000001Z
    w.fieldTimestamptzMicros(0); // 1970: before Postgres's epoch, negative
    expect(hex(w.bytes)).toBe(int32(PG_OID.timestamptz) + int32(8) + '0000000000000001' + int32(PG_OID.timestamptz) + int32(8) + 'fffca2fec4c82000');
  });

  it('writes a text[] with its header, flags a NULL element, and an empty array as ndim 0', () => {
    const w = new PgBinaryWriter();
    const values = ['a', null, 'bc'];
    w.fieldTextArray(values.length, (k) => values[k] ?? null);
    w.fieldTextArray(0, () => 'never');
    const first = int32(1) + int32(1) + int32(PG_OID.text) + int32(3) + int32(1) + int32(1) + '61' + int32(-1) + int32(2) + '6263';
    const empty = int32(0) + int32(0) + int32(PG_OID.text);
    expect(hex(w.bytes)).toBe(int32(PG_OID.textArray) + int32(first.length / 2) + first + int32(PG_OID.textArray) + int32(empty.length / 2) + empty);
  });

  it('writes an int8[] element by element', () => {
    const w = new PgBinaryWriter();
    w.fieldInt8Array(2, (k) => [7, -7][k] ?? 0);
    const body = int32(1) + int32(0) + int32(PG_OID.int8) + int32(2) + int32(1) + int32(8) + '0000000000000007' + int32(8) + 'fffffffffffffff9';
    expect(hex(w.bytes)).toBe(int32(PG_OID.int8Array) + int32(body.length / 2) + body);
  });
});

describe('PgCompositeArrayWriter', () => {
  it('counts only the elements kept, and patches the count into the header', () => {
    const out = new PgCompositeArrayWriter(4242);
    const kept = out.beginElement(1);
    out.writer.fieldInt4(1);
    out.endElement();
    const dropped = out.beginElement(1);
    out.writer.fieldInt4(2);
    out.discardElement(dropped);
    out.beginElement(1);
    out.writer.fieldInt4(3);
    out.endElement();
    expect(kept).toBe(20);
    const element = (n: number): string => int32(16) + int32(1) + int32(PG_OID.int4) + int32(4) + int32(n);
    const param = out.finish();
    expect(param && hex(param)).toBe(int32(1) + int32(0) + int32(4242) + int32(2) + int32(1) + element(1) + element(3));
    expect(out.elements).toBe(2);
  });

  it('gives no parameter when every element was dropped', () => {
    const out = new PgCompositeArrayWriter(4242);
    const start = out.beginElement(1);
    out.writer.fieldText('x');
    out.discardElement(start);
    expect(out.finish()).toBeNull();
  });
});

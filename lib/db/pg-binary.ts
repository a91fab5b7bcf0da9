// Postgres's binary wire format (what a type's send/receive functions read and write), for the few types
// a batch write sends as ONE binary parameter: text, int4, int8, timestamptz, one-dimensional arrays of
// text and int8, composites (records) and an array of composites.
//
// Why: node-postgres sends a Buffer parameter in binary format (format code 1), and the server then calls
// the type's receive function (array_recv, record_recv, …) instead of parsing text. For the attribution
// backfill, parsing a JSON document and array literals was about a third of the write statement's time
// (docs/benchmarks.md § Attribution, run 4).
//
// The layouts (PostgreSQL source: arrayfuncs.c array_recv, rowtypes.c record_recv, int8recv, textrecv,
// timestamptz_recv), all integers big-endian:
//   int4           4 bytes
//   int8           8 bytes
//   timestamptz    int8: microseconds since 2000-01-01T00:00:00Z
//   text           the UTF-8 bytes (no terminator)
//   array          int4 ndim (0 = empty, else 1), int4 has-null flag (0/1), int4 element type OID,
//                  [int4 length, int4 lower bound 1], then per element: int4 byte length (-1 = NULL), bytes
//   record         int4 column count, then per column: int4 type OID, int4 byte length (-1 = NULL), bytes
// Every value inside an array or record is preceded by its byte length; this writer reserves the length
// and fills it in when the value is complete, so nothing is built twice. The server checks every record
// column's type OID and the column count (a stale encoder is refused, test/integration/pg-binary.test.ts);
// PostgreSQL 15's array_recv does not check the element type OID, which is written correctly anyway.

/** Built-in type OIDs (pg_type.h; fixed since PostgreSQL 8). */
export const PG_OID = {
  int4: 23,
  int8: 20,
  text: 25,
  timestamptz: 1184,
  textArray: 1009,
  int8Array: 1016,
} as const;

/** µs from 1970-01-01 to 2000-01-01, Postgres's timestamp epoch. */
const POSTGRES_EPOCH_MICROS = 946_684_800_000_000;
const TWO_TO_32 = 4_294_967_296;

export class PgBinaryWriter {
  private buffer: Buffer;
  private position = 0;

  constructor(initialBytes = 1 << 16) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  /** The bytes written so far (a copy-free view: valid until the next write). */
  get bytes(): Buffer {
    return this.buffer.subarray(0, this.position);
  }

  get length(): number {
    return this.position;
  }

  /** A view of the bytes from `start` to now (hash it before writing more). */
  since(start: number): Buffer {
    return this.buffer.subarray(start, this.position);
  }

  /** Forgets everything written after `position` (a value that turned out not to be needed). */
  truncate(position: number): void {
    if (!Number.isInteger(position) || position < 0 || position > this.position) throw new RangeError(`truncate: no such position ${position}`);
    this.position = position;
  }

  private reserve(bytes: number): void {
    if (this.position + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.position + bytes));
    this.buffer.copy(grown, 0, 0, this.position);
    this.buffer = grown;
  }

  int32(value: number): void {
    this.reserve(4);
    this.buffer.writeInt32BE(value, this.position);
    this.position += 4;
  }

  /** A safe integer as int8 (two int4 halves: no BigInt per value). */
  int64(value: number): void {
    if (!Number.isSafeInteger(value)) throw new RangeError(`int64: not a safe integer: ${value}`);
    const high = Math.floor(value / TWO_TO_32);
    this.reserve(8);
    this.buffer.writeInt32BE(high, this.position);
    this.buffer.writeUInt32BE(value - high * TWO_TO_32, this.position + 4);
    this.position += 8;
  }

  /** Reserves an int4 for the byte length of what is written next; `endLength` fills it in. */
  beginLength(): number {
    const at = this.position;
    this.int32(0);
    return at;
  }

  endLength(at: number): void {
    this.buffer.writeInt32BE(this.position - at - 4, at);
  }

  private lengthPrefixedText(value: string): void {
    // at most 3 UTF-8 bytes per UTF-16 code unit
    this.reserve(4 + value.length * 3);
    // Short ASCII strings (UUIDs, channels, reasons: most of what is written) byte by byte: cheaper than a
    // call into the native UTF-8 encoder per value. Anything else takes Buffer.write.
    if (value.length <= 64) {
      const start = this.position + 4;
      let k = 0;
      for (; k < value.length; k++) {
        const code = value.charCodeAt(k);
        if (code > 0x7f) break;
        this.buffer[start + k] = code;
      }
      if (k === value.length) {
        this.buffer.writeInt32BE(k, this.position);
        this.position = start + k;
        return;
      }
    }
    const written = this.buffer.write(value, this.position + 4, 'utf8');
    this.buffer.writeInt32BE(written, this.position);
    this.position += 4 + written;
  }

  // section: record fields (type OID, then the length-prefixed value) ---------------------------------------
  /** Starts a record of `columns` fields; write exactly that many field* calls after it. */
  recordHeader(columns: number): void {
    this.int32(columns);
  }

  fieldText(value: string | null): void {
    this.int32(PG_OID.text);
    if (value === null) this.int32(-1);
    else this.lengthPrefixedText(value);
  }

  fieldInt4(value: number | null): void {
    this.int32(PG_OID.int4);
    if (value === null) return this.int32(-1);
    this.int32(4);
    this.int32(value);
  }

  fieldInt8(value: number | null): void {
    this.int32(PG_OID.int8);
    if (value === null) return this.int32(-1);
    this.int32(8);
    this.int64(value);
  }

  /** A timestamptz given as integer µs since the Unix epoch (exact; null = NULL). */
  fieldTimestamptzMicros(micros: number | null): void {
    this.int32(PG_OID.timestamptz);
    if (micros === null) return this.int32(-1);
    this.int32(8);
    this.int64(micros - POSTGRES_EPOCH_MICROS);
  }

  /** A text[] of `count` elements, element k = at(k) (null = NULL element). */
  fieldTextArray(count: number, at: (k: number) => string | null): void {
    this.int32(PG_OID.textArray);
    const length = this.beginLength();
    const flags = this.arrayHeader(PG_OID.text, count);
    let hasNull = false;
    for (let k = 0; k < count; k++) {
      const value = at(k);
      if (value === null) {
        hasNull = true;
        this.int32(-1);
      } else this.lengthPrefixedText(value);
    }
    if (hasNull) this.buffer.writeInt32BE(1, flags);
    this.endLength(length);
  }

  /** An int8[] of `count` elements, element k = at(k) (a safe integer). */
  fieldInt8Array(count: number, at: (k: number) => number): void {
    this.int32(PG_OID.int8Array);
    const length = this.beginLength();
    this.arrayHeader(PG_OID.int8, count);
    this.reserve(count * 12);
    for (let k = 0; k < count; k++) {
      this.int32(8);
      this.int64(at(k));
    }
    this.endLength(length);
  }

  /**
   * An array header for `count` elements of type `elementOid` (ndim 0 when empty, as Postgres writes '{}').
   * Returns the position of the has-null flag (written 0), for a caller that learns of a NULL later.
   */
  arrayHeader(elementOid: number, count: number): number {
    this.int32(count === 0 ? 0 : 1);
    const flags = this.position;
    this.int32(0);
    this.int32(elementOid);
    if (count > 0) {
      this.int32(count);
      this.int32(1);
    }
    return flags;
  }

  /** Sets the element count of an array header written by arrayHeader with a count > 0 (see composite arrays). */
  patchArrayCount(flagsPosition: number, count: number): void {
    // ndim, flags, oid, [dim, lbound]: the dimension follows the flag and the OID
    this.buffer.writeInt32BE(count, flagsPosition + 8);
  }
}

/**
 * Encodes an array of composites of type `typeOid` when the number of elements is only known at the end
 * (elements can be dropped with truncate): begin() writes a one-element header, each element goes between
 * beginElement() and endElement(), finish() returns the parameter (or null for zero elements).
 */
export class PgCompositeArrayWriter {
  readonly writer: PgBinaryWriter;
  private readonly flags: number;
  private count = 0;
  private element = -1;

  constructor(typeOid: number, initialBytes?: number) {
    this.writer = new PgBinaryWriter(initialBytes);
    this.flags = this.writer.arrayHeader(typeOid, 1);
  }

  /** Starts an element; returns its start, for a caller that may drop it (discardElement). */
  beginElement(columns: number): number {
    const start = this.writer.length;
    this.element = this.writer.beginLength();
    this.writer.recordHeader(columns);
    return start;
  }

  endElement(): void {
    this.writer.endLength(this.element);
    this.count += 1;
  }

  /** Drops the element begun at `start` (not yet ended). */
  discardElement(start: number): void {
    this.writer.truncate(start);
  }

  get elements(): number {
    return this.count;
  }

  /** The finished parameter; null when no element was kept (send nothing). */
  finish(): Buffer | null {
    if (this.count === 0) return null;
    this.writer.patchArrayCount(this.flags, this.count);
    return this.writer.bytes;
  }
}

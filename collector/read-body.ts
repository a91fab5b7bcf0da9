// Reads a request body as UTF-8 text with a hard size cap and a read deadline: sendBeacon posts JSON as
// text/plain, and we parse JSON ourselves so the errors are ours (400 with a reason).
//   413: larger than the limit (by Content-Length at once, or while reading);
//   415: a Content-Type we do not read (see INGEST_CONTENT_TYPES);
//   408: the body did not arrive within the deadline (slow-loris style senders hold a socket open by
//        trickling bytes; the connection is closed after the answer so it cannot be held any longer).
import type Koa from 'koa';
import getRawBody from 'raw-body';

/** How long a body may take to arrive, unless the app sets ctx.state.bodyTimeoutMs (COLLECTOR_BODY_TIMEOUT_MS). */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;

/**
 * The media types /e, /e/batch and /admin read: JSON, and text/plain from navigator.sendBeacon. A
 * request without any Content-Type is read as text too (a bare fetch or beacon of a Blob without a
 * type sends none); anything named otherwise (forms, multipart, XML, ...) is refused with 415.
 */
export const INGEST_CONTENT_TYPES = ['application/json', 'text/plain'] as const;

export type ContentTypeRule = { allowed: readonly string[]; allowMissing: boolean };
const INGEST_RULE: ContentTypeRule = { allowed: INGEST_CONTENT_TYPES, allowMissing: true };

/** The media type without parameters, lower-cased; '' when absent. */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** 415 unless the request's media type is one of rule.allowed (`application/*+json` counts as JSON). */
export function requireContentType(ctx: Koa.Context, rule: ContentTypeRule): void {
  const type = mediaTypeOf(ctx.get('content-type') || undefined);
  if (type === '' && rule.allowMissing) return;
  const json = /^application\/[a-z0-9.+-]+\+json$/.test(type) ? 'application/json' : type;
  if (!rule.allowed.includes(json)) {
    ctx.throw(415, `unsupported Content-Type ${JSON.stringify(type.slice(0, 80) || '(none)')}: expected ${rule.allowed.join(' or ')}`);
  }
}

export type ReadRawOptions = { limitBytes: number; encoding?: 'utf8'; what?: string };

/** The raw body with the size cap and the read deadline applied; errors become 400/408/413. */
export async function readRawBody(ctx: Koa.Context, options: ReadRawOptions & { encoding: 'utf8' }): Promise<string>;
export async function readRawBody(ctx: Koa.Context, options: ReadRawOptions): Promise<Buffer>;
export async function readRawBody(ctx: Koa.Context, options: ReadRawOptions): Promise<string | Buffer> {
  const what = options.what ?? 'request body';
  const timeoutMs = typeof ctx.state.bodyTimeoutMs === 'number' ? ctx.state.bodyTimeoutMs : DEFAULT_BODY_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('body read timed out'), { type: 'lux.body.timeout' })), timeoutMs);
  });
  try {
    const read = getRawBody(ctx.req, { limit: options.limitBytes, length: ctx.get('content-length') || undefined, ...(options.encoding ? { encoding: options.encoding } : {}) });
    read.catch(() => undefined); // after a timeout nobody awaits it any more
    return await Promise.race([read, deadline]);
  } catch (error) {
    const e = error as { type?: string };
    if (e.type === 'lux.body.timeout') {
      // Stop reading, answer, and close: the sender's remaining bytes are never waited for.
      ctx.req.unpipe();
      ctx.req.pause();
      ctx.set('Connection', 'close');
      ctx.throw(408, `${what} did not arrive within ${timeoutMs} ms`);
    }
    if (e.type === 'entity.too.large') {
      // Not worth reading the rest either: answer and close.
      ctx.set('Connection', 'close');
      ctx.throw(413, `${what} is larger than ${options.limitBytes} bytes`);
    }
    if (e.type === 'request.aborted') ctx.throw(400, 'request aborted by the client');
    ctx.throw(400, `could not read the ${what}`);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * JSON nested deeper than this is refused (400) before anything walks it: JSON.parse copes with any
 * depth, but JSON.stringify, zod and the vendors' verifiers recurse and overflow the stack near 10,000
 * levels (a 500 found by test/integration/fuzz-collector.test.ts). Real payloads stay under 10.
 */
export const MAX_JSON_DEPTH = 64;

/** True when the JSON text nests arrays/objects deeper than max (brackets inside strings do not count). */
export function jsonNestsDeeperThan(text: string | Buffer, max: number): boolean {
  const at = typeof text === 'string' ? (i: number) => text.charCodeAt(i) : (i: number) => text[i]!;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = at(i);
    if (inString) {
      if (c === 0x5c) i += 1; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth += 1;
      if (depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth -= 1;
  }
  return false;
}

export async function readJsonBody(ctx: Koa.Context, limitBytes: number, contentTypes: ContentTypeRule = INGEST_RULE): Promise<unknown> {
  requireContentType(ctx, contentTypes);
  const text = await readRawBody(ctx, { limitBytes, encoding: 'utf8' });
  if (text.trim() === '') ctx.throw(400, 'request body is empty: expected JSON');
  // Postgres text and jsonb cannot hold NUL characters; reject them here with a clear reason.
  if (text.includes('\u0000') || /\\u0000/i.test(text)) ctx.throw(400, 'request body contains NUL characters');
  if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) ctx.throw(400, `JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    ctx.throw(400, 'malformed JSON in request body');
  }
}

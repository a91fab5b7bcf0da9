// Reads a request body as UTF-8 text with a hard size cap, whatever its Content-Type: sendBeacon posts
// JSON as text/plain, and we parse JSON ourselves so the errors are ours (400 with a reason).
import type Koa from 'koa';
import getRawBody from 'raw-body';

export async function readJsonBody(ctx: Koa.Context, limitBytes: number): Promise<unknown> {
  let text: string;
  try {
    text = await getRawBody(ctx.req, { limit: limitBytes, encoding: 'utf8', length: ctx.get('content-length') || undefined });
  } catch (error) {
    const e = error as { type?: string; status?: number };
    if (e.type === 'entity.too.large') ctx.throw(413, `request body is larger than ${limitBytes} bytes`);
    if (e.type === 'request.aborted') ctx.throw(400, 'request aborted by the client');
    ctx.throw(400, 'could not read the request body');
  }
  if (text.trim() === '') ctx.throw(400, 'request body is empty: expected JSON');
  // Postgres text and jsonb cannot hold NUL characters; reject them here with a clear reason.
  if (text.includes('\u0000') || /\\u0000/i.test(text)) ctx.throw(400, 'request body contains NUL characters');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    ctx.throw(400, 'malformed JSON in request body');
  }
}

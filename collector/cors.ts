// CORS for the ingest endpoints. Preflights are answered for any origin (the site key, which decides
// the allowed origins, is only in the body); the actual response carries Allow-Origin for the request's
// origin, and a key limited to some origins rejects others with 403. No credentials, ever.
import type Koa from 'koa';

export const INGEST_ALLOWED_HEADERS = 'content-type, x-lux-site-key, authorization';

export function corsForIngest(): Koa.Middleware {
  return async function ingestCors(ctx, next) {
    const origin = ctx.get('origin');
    if (origin) {
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.vary('Origin');
    }
    if (ctx.method === 'OPTIONS') {
      ctx.set('Access-Control-Allow-Methods', 'POST, OPTIONS');
      ctx.set('Access-Control-Allow-Headers', INGEST_ALLOWED_HEADERS);
      ctx.set('Access-Control-Max-Age', '86400');
      ctx.status = 204;
      return;
    }
    await next();
  };
}

export function isOriginAllowed(origin: string | undefined, allowedOrigins: string[]): boolean {
  if (allowedOrigins.length === 0 || !origin) return true;
  return allowedOrigins.includes(origin.toLowerCase().replace(/\/$/, ''));
}

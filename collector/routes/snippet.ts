// GET /lux.js: the browser snippet, built once per process, cached by browsers and CDNs for 5 minutes
// and revalidated by ETag (so a new release reaches storefronts within minutes).
import Router from '@koa/router';
import { buildSnippet } from '../snippet/build';

export function snippetRoutes(): Router {
  const router = new Router();
  router.get('/lux.js', async (ctx) => {
    const snippet = await buildSnippet();
    ctx.set('ETag', snippet.etag);
    ctx.set('Cache-Control', 'public, max-age=300, stale-while-revalidate=86400');
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.type = 'application/javascript; charset=utf-8';
    if (ctx.get('if-none-match') === snippet.etag) {
      ctx.status = 304;
      return;
    }
    ctx.body = snippet.code;
  });
  return router;
}

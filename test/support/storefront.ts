// A tiny shop for browser tests: static HTML on 127.0.0.1 (a random port, so a different origin from the
// collector and CORS is real) that embeds the snippet exactly as docs/snippet.md says. Pages:
//   /                  home, with a link that navigates to the product as a single-page app (pushState)
//   /products/sku-1    the product, with an "Add to cart" button
// Every page also has the site's sign-in form, which identifies the visitor (user id + email).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Storefront = { url: string; close: () => Promise<void> };

export type StorefrontOptions = {
  /** Base URL of the collector that serves /lux.js (and receives the events). */
  collectorUrl: string;
  siteKey: string;
};

const PRODUCT_PATH = '/products/sku-1';

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

function renderPage({ collectorUrl, siteKey }: StorefrontOptions): string {
  const src = escapeHtml(`${collectorUrl.replace(/\/+$/, '')}/lux.js`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Test Shop</title>
<script>window.lux=window.lux||function(){(lux.q=lux.q||[]).push(arguments)};</script>
<script async src="${src}" data-site-key="${escapeHtml(siteKey)}"></script>
</head>
<body>
<nav>
  <a id="nav-home" href="/">Home</a>
  <a id="nav-product" href="${PRODUCT_PATH}">Spring jacket</a>
</nav>
<main id="view"></main>
<form id="sign-in">
  <input name="user_id" placeholder="Customer number">
  <input name="email" type="email" placeholder="Email">
  <button id="sign-in-submit" type="submit">Sign in</button>
</form>
<script>
  // The shop's own router: links navigate in place with history.pushState, like a single-page app.
  function render() {
    var view = document.getElementById('view');
    if (location.pathname === '${PRODUCT_PATH}') {
      view.innerHTML = '<h1>Spring jacket</h1><p>19.99 EUR</p><button id="add-to-cart" type="button">Add to cart</button>';
      document.getElementById('add-to-cart').addEventListener('click', function () {
        lux('track', 'add_to_cart', { product_id: 'sku-1', value: 1999, currency: 'EUR' });
        document.getElementById('add-to-cart').textContent = 'Added';
      });
    } else {
      view.innerHTML = '<h1>Welcome to the Test Shop</h1>';
    }
    document.body.setAttribute('data-rendered', location.pathname);
  }
  document.querySelectorAll('nav a').forEach(function (link) {
    link.addEventListener('click', function (event) {
      event.preventDefault();
      history.pushState({}, '', link.getAttribute('href'));
      render();
    });
  });
  addEventListener('popstate', render);
  document.getElementById('sign-in').addEventListener('submit', function (event) {
    event.preventDefault();
    var form = event.target;
    lux('identify', form.elements.user_id.value, { email: form.elements.email.value });
    form.setAttribute('data-signed-in', 'true');
  });
  render();
</script>
</body>
</html>
`;
}

/** Starts the shop on 127.0.0.1 on a free port. */
export async function startStorefront(options: StorefrontOptions): Promise<Storefront> {
  const html = renderPage(options);
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://storefront.invalid').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/' || path === PRODUCT_PATH) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
    } else if (path === '/favicon.ico') {
      response.writeHead(204).end();
    } else {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Browsers keep connections alive; the test is over, so drop them rather than wait.
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

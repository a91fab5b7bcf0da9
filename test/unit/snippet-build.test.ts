// The browser snippet's build: within the 2 KB gzip budget, no third-party hosts baked in, and reproducible
// (the collector's ETag must only change when the code does). Behaviour in a real browser is checked with
// Chromium (test/support/browser.ts), not here.
import { Script } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { SNIPPET_GZIP_BUDGET, buildSnippet, compileSnippet } from '../../collector/snippet/build';

describe('lux.js snippet build', () => {
  it('stays within the 2 KB gzip budget', async () => {
    const { code, gzipBytes } = await buildSnippet();
    expect(SNIPPET_GZIP_BUDGET).toBe(2048);
    expect(gzipBytes).toBe(gzipSync(code, { level: 9 }).length);
    expect(gzipBytes).toBeLessThanOrEqual(SNIPPET_GZIP_BUDGET);
  });

  it('contains no absolute or protocol-relative URLs: events only go to the collector it was loaded from', async () => {
    const { code } = await buildSnippet();
    expect(code).not.toMatch(/https?:\/\//i);
    expect(code).not.toMatch(/["'`]\/\/[\w.-]/);
  });

  it('is a self-contained classic script (IIFE, no module syntax) that parses', async () => {
    const { code } = await buildSnippet();
    expect(code.startsWith('(()=>{')).toBe(true);
    expect(code).not.toMatch(/\bimport\s*[({"']|\bexport\s*[{*]|\brequire\(/);
    expect(() => new Script(code, { filename: 'lux.js' })).not.toThrow();
  });

  it('is deterministic: two independent builds give the same code and ETag', async () => {
    const [a, b] = await Promise.all([compileSnippet(), compileSnippet()]);
    expect(a.etag).toMatch(/^"[\w-]{27}"$/);
    expect(b.etag).toBe(a.etag);
    expect(b.code).toBe(a.code);
    expect((await buildSnippet()).etag).toBe(a.etag);
  });

  it('memoises the served build in-process', async () => {
    expect(await buildSnippet()).toBe(await buildSnippet());
  });
});

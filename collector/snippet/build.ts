// Compiles src/lux.ts into the browser snippet the collector serves at GET /lux.js.
// In-process and memoised: the collector builds once at first request, then serves the same bytes and ETag.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { transform } from 'esbuild';

export type SnippetBuild = {
  /** Minified ES2017 IIFE, ready to serve as application/javascript. */
  code: string;
  /** Size after gzip level 9: the number the 2 KB budget is about. */
  gzipBytes: number;
  /** Strong ETag (quoted) derived from the code, so it changes exactly when the bytes do. */
  etag: string;
};

export const SNIPPET_SOURCE = path.join(__dirname, 'src', 'lux.ts');
export const SNIPPET_GZIP_BUDGET = 2048;

let memo: Promise<SnippetBuild> | undefined;

/** The build the collector serves: compiled once per process, then the same bytes and ETag. */
export function buildSnippet(): Promise<SnippetBuild> {
  // A failed build is not memoised: the next request tries again instead of serving an error forever.
  memo ??= compileSnippet().catch((error: unknown) => {
    memo = undefined;
    throw error;
  });
  return memo;
}

/** A fresh, un-memoised compile (tests use it to prove two builds are byte-identical). */
export async function compileSnippet(): Promise<SnippetBuild> {
  const source = await readFile(SNIPPET_SOURCE, 'utf8');
  const result = await transform(source, {
    loader: 'ts',
    format: 'iife',
    target: 'es2017',
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    sourcefile: 'lux.ts',
    // The repo tsconfig targets Node; the snippet only needs esbuild's TS stripping.
    tsconfigRaw: { compilerOptions: {} },
  });
  const code = result.code;
  const gzipBytes = gzipSync(code, { level: 9 }).length;
  const etag = `"${createHash('sha256').update(code).digest('base64url').slice(0, 27)}"`;
  return { code, gzipBytes, etag };
}

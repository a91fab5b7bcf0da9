// `npx tsx collector/snippet/build-cli.ts`: builds the snippet and prints its raw and gzip sizes.
// Exits 1 when the gzip size is over budget, so it can gate CI as well as inform.
import { SNIPPET_GZIP_BUDGET, buildSnippet } from './build';

async function main(): Promise<void> {
  const { code, gzipBytes, etag } = await buildSnippet();
  const raw = Buffer.byteLength(code, 'utf8');
  process.stdout.write(`lux.js raw ${raw} B, gzip ${gzipBytes} B (budget ${SNIPPET_GZIP_BUDGET} B), etag ${etag}\n`);
  if (gzipBytes > SNIPPET_GZIP_BUDGET) {
    process.stderr.write(`lux.js is ${gzipBytes - SNIPPET_GZIP_BUDGET} B over the gzip budget\n`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`snippet build failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

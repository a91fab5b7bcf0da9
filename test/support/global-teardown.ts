export default async function globalTeardown(): Promise<void> {
  const handles = globalThis.__LUX_TEST_HANDLES__;
  for (const stop of (handles?.stop ?? []).reverse()) await stop();
}

// One way to start Chromium for browser tests (snippet checks, e2e), so every test runs the same binary with
// the same flags. The flags keep headless Chromium quiet and offline apart from what the test itself loads:
// no sandbox (containers lack the namespaces), no GPU, no QUIC, no first-run/sync/component/background traffic.
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] });
}

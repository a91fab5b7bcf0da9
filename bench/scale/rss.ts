// bench/scale, section 7: collector memory under load. The real collector (collector/server.ts, its own
// process) and the baseline, a bare Node http server (bench/collector/bare-server.ts: read, JSON.parse,
// 200), each driven by autocannon (bench/collector/load.ts) with the same single-event POST /e load, one
// after the other in this run; VmRSS of the server's process read from /proc/<pid>/status every 100 ms:
// at rest before the load, the peak, and the steady state (median of the last half of the measured run).
import { readFile } from 'node:fs/promises';
import { spawnCollectorProcess } from '../../test/support/collector-process';
import { runLoad } from '../collector/load';
import { singleEventBody } from '../collector/payloads';
import { startServer } from '../collector/server-process';

export type RssReport = { server: string; restMiB: number; peakMiB: number; steadyMiB: number; requestsPerSecond: number; ok: number; non2xx: number; samples: number };

async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]);
}

const mib = (kib: number): number => Number((kib / 1024).toFixed(1));

async function underLoad(server: string, pid: number, url: string, headers: Record<string, string>, load: { connections: number; warmupSeconds: number; durationSeconds: number }): Promise<RssReport> {
  const rest = await rssKiB(pid);
  const samples: Array<{ at: number; kib: number }> = [];
  const started = Date.now();
  const timer = setInterval(() => {
    rssKiB(pid).then((kib) => samples.push({ at: Date.now() - started, kib }), () => undefined);
  }, 100);
  const result = await runLoad({ title: server, url, path: '/e', connections: load.connections, warmupSeconds: load.warmupSeconds, durationSeconds: load.durationSeconds, makeBody: singleEventBody, eventsPerRequest: 1, headers });
  clearInterval(timer);
  const steadyFrom = (load.warmupSeconds + load.durationSeconds / 2) * 1000;
  const steady = samples.filter((s) => s.at >= steadyFrom).map((s) => s.kib).sort((a, b) => a - b);
  return {
    server,
    restMiB: mib(rest),
    peakMiB: mib(Math.max(...samples.map((s) => s.kib))),
    steadyMiB: mib(steady[Math.floor(steady.length / 2)] ?? NaN),
    requestsPerSecond: Math.round(result.okRequestsPerSecond),
    ok: result.ok,
    non2xx: result.non2xx,
    samples: samples.length,
  };
}

export async function measureCollectorRss(options: { ownerUrl: string; appUrl: string; ipHashSecret: string; siteKey: string; connections: number; warmupSeconds: number; durationSeconds: number }): Promise<RssReport[]> {
  const load = { connections: options.connections, warmupSeconds: options.warmupSeconds, durationSeconds: options.durationSeconds };
  const bare = await startServer('bare-server.ts', {});
  let bareReport: RssReport;
  try {
    bareReport = await underLoad('bare node http', bare.pid, bare.url, {}, load);
  } finally {
    await bare.stop();
  }
  const collector = await spawnCollectorProcess({ ownerUrl: options.ownerUrl, appUrl: options.appUrl, ipHashSecret: options.ipHashSecret });
  try {
    const pid = collector.child.pid;
    if (pid === undefined) throw new Error('collector has no pid');
    return [bareReport, await underLoad('collector', pid, collector.url, { 'x-lux-site-key': options.siteKey }, load)];
  } finally {
    await collector.stop();
  }
}

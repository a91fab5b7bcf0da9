// `lux import <vendor> --company <id> [--since <ISO date>]`: runs the vendor's import now, through
// Temporal (the same workflow the hourly schedule runs), and shows its progress until it finishes.
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { IMPORT_STREAMS, isImportSource } from '../../lib/commerce/import-streams';
import { loadCliConfigOrExit } from '../../lib/config';
import { TASK_QUEUES } from '../../lib/task-queues';
import { importSourceWorkflowId, importStreamWorkflowId } from '../../lib/workflow-ids';
import type { importSourceWorkflow } from '../../workflows/import-source';
import { importProgressQuery, type ImportProgress } from '../../workflows/import-stream';
import { CompanyIdKey } from '../../workflows/search-attributes';
import { withTemporalClient } from './integrations';

function describe(p: ImportProgress): string {
  const of = p.totalRows !== null ? ` of ${p.totalRows}` : '';
  const state = p.done ? 'done' : p.resumed ? 'resumed' : 'running';
  return `${p.source}/${p.stream}: ${state}, ${p.pages} page(s), ${p.rowsRead}${of} rows read, ${p.rowsStored} stored, ${p.rowsRejected} rejected`;
}

/** The progress of each stream's workflow that has started; streams not started yet are skipped. */
async function streamProgress(client: Client, companyId: string, source: string): Promise<string[]> {
  const lines: string[] = [];
  for (const stream of IMPORT_STREAMS[source as keyof typeof IMPORT_STREAMS]) {
    try {
      lines.push(describe(await client.workflow.getHandle(importStreamWorkflowId(companyId, source, stream)).query(importProgressQuery)));
    } catch {
      // not started yet (or finished and closed): the final summary covers it
    }
  }
  return lines;
}

export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description('import orders/payments/ad spend from a vendor now (through Temporal) and show progress')
    .argument('<vendor>', Object.keys(IMPORT_STREAMS).join(', '))
    .requiredOption('--company <id>')
    .option('--since <date>', 'backfill from this ISO 8601 date/time (default: continue from the stored cursor)')
    .action(async (vendor: string, options: { company: string; since?: string }) => {
      if (!isImportSource(vendor)) throw new Error(`cannot import from ${vendor}: expected ${Object.keys(IMPORT_STREAMS).join(', ')}`);
      const since = options.since ? new Date(options.since) : null;
      if (since && Number.isNaN(since.getTime())) throw new Error(`--since ${options.since} is not an ISO 8601 date`);
      const config = loadCliConfigOrExit();
      await withTemporalClient(config, async (client) => {
        const workflowId = importSourceWorkflowId(options.company, vendor);
        const handle = await client.workflow.start<typeof importSourceWorkflow>('importSourceWorkflow', {
          workflowId,
          taskQueue: TASK_QUEUES.imports,
          args: [{ companyId: options.company, source: vendor, since: since ? since.toISOString() : null }],
          typedSearchAttributes: [{ key: CompanyIdKey, value: options.company }],
          // An import of this vendor already running (e.g. the schedule's): follow it instead of racing it.
          workflowIdConflictPolicy: 'USE_EXISTING',
        });
        process.stderr.write(`import started: workflow ${workflowId} (run ${handle.firstExecutionRunId}); watch it in the Temporal UI too\n`);
        let last = '';
        const timer = setInterval(() => {
          streamProgress(client, options.company, vendor).then(
            (lines) => {
              const text = lines.join('\n');
              if (text !== '' && text !== last) process.stderr.write(`${text}\n`);
              last = text;
            },
            () => undefined,
          );
        }, 1000);
        try {
          const result = await handle.result();
          for (const stream of result.streams) process.stderr.write(`${describe(stream)}\n`);
          process.stdout.write(`${JSON.stringify({ ok: true, workflowId, ...result }, null, 2)}\n`);
        } finally {
          clearInterval(timer);
        }
      });
    });
}

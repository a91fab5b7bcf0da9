// What the long-running CLI commands (backfills) do once their workflow is started: print its progress
// query once a second while it changes, then the final result (stderr) and the result as JSON (stdout).
import type { QueryDefinition } from '@temporalio/common';

/** The part of a started workflow's handle (WorkflowHandleWithFirstExecutionRunId) this needs. */
type StartedWorkflow<R> = {
  workflowId: string;
  firstExecutionRunId: string;
  query<T>(def: QueryDefinition<T>): Promise<T>;
  result(): Promise<R>;
};

export async function followWorkflow<P, R extends object>(
  handle: StartedWorkflow<R>,
  progressQuery: QueryDefinition<P>,
  describe: (progress: P | R) => string,
): Promise<void> {
  process.stderr.write(`backfill started: workflow ${handle.workflowId} (run ${handle.firstExecutionRunId}); watch it in the Temporal UI too\n`);
  let last = '';
  const timer = setInterval(() => {
    handle.query(progressQuery).then(
      (p) => {
        const line = describe(p);
        if (line !== last) process.stderr.write(`${line}\n`);
        last = line;
      },
      () => undefined, // not answering yet (just started) or already closed: the result covers it
    );
  }, 1000);
  try {
    const result = await handle.result();
    process.stderr.write(`${describe(result)}\n`);
    process.stdout.write(`${JSON.stringify({ ok: true, workflowId: handle.workflowId, ...result }, null, 2)}\n`);
  } finally {
    clearInterval(timer);
  }
}

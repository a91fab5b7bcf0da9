// Classifies database errors for callers that must choose between "retry later" and "this is a bug".

/** Postgres unreachable, restarting or out of connections: the sender should retry later (503). */
export function isConnectionError(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const e = current as { name?: string; code?: string; message?: string; cause?: unknown };
    if (e.name && /ConnectionError|BackendTerminated|IdleTransactionTimeout/.test(e.name)) return true;
    if (e.code && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|57P01|57P02|57P03|53300|08\d{3})$/.test(e.code)) return true;
    if (e.message && /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect/i.test(e.message)) return true;
    current = e.cause;
  }
  return false;
}

// Deterministic workflow and schedule ids: a second start of the same work is a no-op, and a person can
// find any run in the Temporal UI from the ids they already know (company, vendor, webhook, stream).
export const processWebhookWorkflowId = (companyId: string, source: string, webhookId: number): string => `webhook:${companyId}:${source}:${webhookId}`;

export const importStreamWorkflowId = (companyId: string, source: string, stream: string): string => `import:${companyId}:${source}:${stream}`;

export const importSourceWorkflowId = (companyId: string, source: string): string => `import:${companyId}:${source}`;

export const importScheduleId = (companyId: string, source: string): string => `import-schedule:${companyId}:${source}`;

/** One attribution run per order (`attribution:<company>:<source>:<external id>`): a second start while it runs is a no-op. */
export const attributeOrderWorkflowId = (companyId: string, source: string, externalId: string): string => `attribution:${companyId}:${source}:${externalId}`;

/** The OrderId search attribute of an order's runs: `<source>:<external id>` (e.g. `OrderId = "woocommerce:5001"`). */
export const orderSearchId = (source: string, externalId: string): string => `${source}:${externalId}`;

/** A backfill of one company's orders created in [from, to) (ISO instants, or `*` for unbounded). */
export const attributeOrdersWorkflowId = (companyId: string, from: string | null, to: string | null): string => `attribution-backfill:${companyId}:${from ?? '*'}:${to ?? '*'}`;

/** The sweep of one company's orders never attributed or changed since (after imports; `lux attribution backfill --pending`). */
export const attributionSweepWorkflowId = (companyId: string): string => `attribution-sweep:${companyId}`;

/** The 15-minute Schedule that starts that sweep (workers/schedules.ts). */
export const attributionSweepScheduleId = (companyId: string): string => `attribution-sweep-schedule:${companyId}`;

/** One order's conversion forwarding (`forward:<company>:<source>:<external id>`): prepare the outbox rows, send the pending ones. */
export const forwardConversionWorkflowId = (companyId: string, source: string, externalId: string): string => `forward:${companyId}:${source}:${externalId}`;

/** A daily rollup started by hand or by the CLI: `rollup:<company>:<last day computed>`. */
export const dailyRollupWorkflowId = (companyId: string, day: string): string => `rollup:${companyId}:${day}`;

/** The base id of the scheduled daily rollup; Temporal appends each run's scheduled time (`rollup:<company>-2026-…Z`). */
export const scheduledRollupWorkflowId = (companyId: string): string => `rollup:${companyId}`;

/** A recompute of company-local days from `from` to `to` (inclusive). */
export const rollupBackfillWorkflowId = (companyId: string, from: string, to: string): string => `rollup-backfill:${companyId}:${from}:${to}`;

export const rollupScheduleId = (companyId: string): string => `rollup-schedule:${companyId}`;

/** The alert evaluation of one company-local day: `alerts:<company>:<day>`. */
export const evaluateAlertsWorkflowId = (companyId: string, day: string): string => `alerts:${companyId}:${day}`;

/** One audience's sync to a destination (`audience-sync:<company>:<destination>:<audience>`): started by `lux audiences sync`; a second start while it runs follows it. */
export const audienceSyncWorkflowId = (companyId: string, destination: string, audience: string): string => `audience-sync:${companyId}:${destination}:${audience}`;

/** The daily Schedule of that sync (workers/schedules.ts); its runs are `audience-sync:…:<audience>-<scheduled time>`. */
export const audienceSyncScheduleId = (companyId: string, destination: string, audience: string): string => `audience-sync-schedule:${companyId}:${destination}:${audience}`;

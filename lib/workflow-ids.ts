// Deterministic workflow and schedule ids: a second start of the same work is a no-op, and a person can
// find any run in the Temporal UI from the ids they already know (company, vendor, webhook, stream).
export const processWebhookWorkflowId = (companyId: string, source: string, webhookId: number): string => `webhook:${companyId}:${source}:${webhookId}`;

export const importStreamWorkflowId = (companyId: string, source: string, stream: string): string => `import:${companyId}:${source}:${stream}`;

export const importSourceWorkflowId = (companyId: string, source: string): string => `import:${companyId}:${source}`;

export const importScheduleId = (companyId: string, source: string): string => `import-schedule:${companyId}:${source}`;

// The workflow bundle's entry: every workflow the workers run.
export { attributeOrderWorkflow } from './attribute-order';
export { attributeOrdersWorkflow } from './attribute-orders';
export { forwardConversionWorkflow } from './forward-conversion';
export { importSourceWorkflow } from './import-source';
export { importStreamWorkflow } from './import-stream';
export { processWebhookWorkflow } from './process-webhook';
export { stackCheckWorkflow } from './stack-check';
export { syncAudienceWorkflow } from './sync-audience';
export { dailyRollupWorkflow } from './daily-rollup';
export { evaluateAlertsWorkflow } from './evaluate-alerts';
export { rollupBackfillWorkflow } from './rollup-backfill';

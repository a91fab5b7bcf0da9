// The workflow bundle's entry: every workflow the workers run.
export { importSourceWorkflow } from './import-source';
export { importStreamWorkflow } from './import-stream';
export { processWebhookWorkflow } from './process-webhook';
export { stackCheckWorkflow } from './stack-check';

// The workflow bundle's entry: every workflow the analytics worker runs.
export { stackCheckWorkflow } from './stack-check';

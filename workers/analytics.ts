// Entrypoint: the analytics worker (attribution, rollups, alert evaluation, stack checks).
import { TASK_QUEUES } from '../lib/task-queues';
import { runWorkerProcess } from './run-worker';

runWorkerProcess('worker-analytics', TASK_QUEUES.analytics);

// Entrypoint: the imports worker (webhook processing and vendor imports: slow, rate-limited APIs live on
// their own task queue so they never hold up analytics).
import { TASK_QUEUES } from '../lib/task-queues';
import { runWorkerProcess } from './run-worker';

runWorkerProcess('worker-imports', TASK_QUEUES.imports);

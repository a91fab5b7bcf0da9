// Entrypoint: the notifications worker (alert digests over SMTP: a slow or unreachable mail server holds
// up only this queue, never rollups or imports).
import { TASK_QUEUES } from '../lib/task-queues';
import { runWorkerProcess } from './run-worker';

runWorkerProcess('worker-notifications', TASK_QUEUES.notifications);

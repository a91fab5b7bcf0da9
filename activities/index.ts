// All activities, built from their dependencies (the worker is the one place that wires them).
import type { DatabasePool } from '../lib/db/pool';
import type { Logger } from '../lib/logger';
import { createStackCheckActivities } from './stack-check';

export type ActivityDeps = { appPool: DatabasePool; logger: Logger };

export function createActivities(deps: ActivityDeps) {
  return {
    ...createStackCheckActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;

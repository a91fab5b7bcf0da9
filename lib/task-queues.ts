// Task queues by kind of work, so slow vendor APIs (imports) never starve rollups (analytics).
export const TASK_QUEUES = {
  analytics: 'lux-analytics',
  imports: 'lux-imports',
  notifications: 'lux-notifications',
} as const;

export type TaskQueue = (typeof TASK_QUEUES)[keyof typeof TASK_QUEUES];

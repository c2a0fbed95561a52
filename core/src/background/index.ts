/** @module Background work: the job scheduler, the queue adapters and the operators' actions on them. */

export { type Background, type BackgroundPlugin, type BackgroundProblem, createBackground } from './background.js';
export { type BackgroundAdmin, createBackgroundAdmin, type DeadLetterView, type JobRunView, type JobView } from './background-admin.js';
export { JobRun, JobState, QueueMessageRow } from './background-entities.js';
export { CreateBackgroundTables } from './create-background-tables.js';
export { CreateQueueLedgerTables } from './create-queue-ledger-tables.js';
export type { DeadLetter, QueueAdapter, QueueDepth } from './queue-adapter.js';
export type { JobInfo, JobRunInfo, Scheduler } from './scheduler.js';
export { scopedQueue } from './scoped-queue.js';

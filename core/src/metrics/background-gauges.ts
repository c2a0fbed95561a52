/**
 * @module Queue and job gauges, read from the background admin (the same views the console shows) when `/metrics`
 * is scraped: nothing is counted on the message or job path for them.
 */
import type { BackgroundAdmin } from '../background/background-admin.js';
import type { PlatformMetrics } from './platform-metrics.js';

export const backgroundGauges = (metrics: PlatformMetrics, admin: BackgroundAdmin): void => {
  metrics.gauge(
    'switchboard_queue_messages',
    'Messages of each queue that has a worker on this platform, by state: ready, in_flight, dead (dead letters).',
    ['queue', 'state'],
    async () =>
      (await admin.queues()).items.flatMap((q) => [
        { labels: { queue: q.queue, state: 'ready' }, value: q.ready },
        { labels: { queue: q.queue, state: 'in_flight' }, value: q.inFlight },
        { labels: { queue: q.queue, state: 'dead' }, value: q.dead },
      ]),
  );
  // One read of the jobs serves both job gauges of a scrape.
  let jobs: ReturnType<BackgroundAdmin['jobs']> | undefined;
  const readJobs = () => {
    jobs ??= admin.jobs().finally(() => setTimeout(() => (jobs = undefined), 0));
    return jobs;
  };
  metrics.gauge(
    'switchboard_job_lag_seconds',
    'How far past its due time each job’s next tick is (0 when on time); it grows when no replica runs the job.',
    ['job'],
    async () => {
      const now = Date.now();
      return (await readJobs()).map((j) => ({
        labels: { job: j.key },
        value: j.running ? 0 : Math.max(0, (now - Date.parse(j.nextDue)) / 1000),
      }));
    },
  );
  metrics.gauge(
    'switchboard_job_last_run_timestamp_seconds',
    'When each job’s last run started (Unix seconds), labelled with its outcome (succeeded, failed, timed-out, …).',
    ['job', 'outcome'],
    async () =>
      (await readJobs())
        .filter((j) => j.lastRun)
        .map((j) => ({ labels: { job: j.key, outcome: j.lastRun?.outcome ?? '' }, value: Date.parse(j.lastRun?.startedAt ?? '') / 1000 })),
  );
};

/** @module A job's ticks: cron via croner (UTC), or fixed intervals aligned to the epoch so every replica agrees. */
import type { JobSchedule } from '@switchboard/sdk';
import { Cron } from 'croner';
import { toMs } from './duration.js';

export interface JobClock {
  /** A stable description of the schedule, stored with the job so a changed schedule is noticed. */
  schedule: string;
  /** The first tick strictly after `t` (epoch ms). */
  next(t: number): number;
}

export const jobClock = (s: JobSchedule): JobClock => {
  if (s.cron !== undefined) {
    const cron = new Cron(s.cron, { paused: true, timezone: 'Etc/UTC' });
    return {
      schedule: `cron ${s.cron}`,
      next: (t) => {
        const n = cron.nextRun(new Date(t));
        if (!n) throw new Error(`cron '${s.cron}' has no next run after ${new Date(t).toISOString()}`);
        return n.getTime();
      },
    };
  }
  const every = toMs(s.every);
  if (every < 1) throw new Error(`every must be at least 1 ms, got '${String(s.every)}'`);
  return { schedule: `every ${every}ms`, next: (t) => (Math.floor(t / every) + 1) * every };
};

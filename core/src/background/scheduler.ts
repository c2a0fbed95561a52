/**
 * @module The job scheduler. Every replica polls `sb_job`; a tick is claimed with one conditional UPDATE (the row's
 * `next_due` must still be the value read and the lease free), so exactly one replica runs it. The holder renews its
 * lease while the job runs; when a holder dies its lease expires and another replica takes the tick over. Every
 * attempt is a row of `sb_job_run`, unique on (job, tick, attempt). Leases compare the replicas' own clocks, so keep
 * them NTP-synced; the lease time is the margin.
 */
import type { JobContext, JobDefinition, Logger } from '@switchboard/sdk';
import type { ExpressionBuilder } from 'kysely';
import { type BackgroundDb, type BackgroundStore, isUniqueViolation } from './background-db.js';
import { toMs } from './duration.js';
import { type JobClock, jobClock } from './job-clock.js';

/** A job ready to run: its definition and its `run` already bound to the plugin's services. */
export interface RegisteredJob {
  assetId: string;
  definition: JobDefinition;
  run: (ctx: JobContext) => Promise<void>;
}

export interface SchedulerOptions {
  store: BackgroundStore;
  replicaId: string;
  log: Logger;
  /** How long a claim lasts without renewal; a dead holder's tick is taken over after at most this long. */
  leaseMs?: number;
  /** How often the table is read when no tick is due sooner. */
  pollMs?: number;
  /** With `misfire: 'skip'`, the latest missed tick still runs if it is at most this late. */
  misfireGraceMs?: number;
  /** How long `stop()` waits for running jobs before aborting them (they are then taken over elsewhere). */
  drainMs?: number;
  /** Jobs of a disabled asset are not claimed. Defaults to always enabled. */
  isAssetEnabled?: (assetId: string) => boolean;
}

export interface JobInfo {
  key: string;
  assetId: string;
  name: string;
  scope: string;
  schedule: string;
  nextDue: Date;
  leaseOwner: string | null;
  leaseUntil: Date | null;
  running: boolean;
  lastRun: JobRunInfo | null;
}

export interface JobRunInfo {
  id: number;
  jobKey: string;
  tick: Date;
  attempt: number;
  trigger: string;
  replica: string;
  startedAt: Date;
  finishedAt: Date | null;
  outcome: string;
  error: string | null;
}

export interface Scheduler {
  start(): Promise<void>;
  /** Stops claiming, waits for running jobs (up to `drainMs`), then releases every lease this replica holds. */
  stop(): Promise<void>;
  /** Asks for a run now (any replica may take it). False when no such job. */
  trigger(jobKey: string): Promise<boolean>;
  list(): Promise<JobInfo[]>;
  history(jobKey: string, limit?: number): Promise<JobRunInfo[]>;
  /** Runs one poll now (tests use it to avoid waiting). */
  poll(): Promise<void>;
}

interface Entry {
  key: string;
  job: RegisteredJob;
  clock: JobClock;
  timeoutMs: number;
}

interface Running {
  abort: AbortController;
  done: Promise<void>;
  interrupted: boolean;
}

type Trigger = JobContext['trigger'];

export const createScheduler = (jobs: RegisteredJob[], options: SchedulerOptions): Scheduler => {
  const { store, replicaId, log } = options;
  const { db, ts, ms } = store;
  const leaseMs = options.leaseMs ?? 15_000;
  const pollMs = options.pollMs ?? 250;
  const graceMs = options.misfireGraceMs ?? 30_000;
  const drainMs = options.drainMs ?? 10_000;
  const enabled = options.isAssetEnabled ?? (() => true);

  const entries: Entry[] = jobs.map((job) => {
    const d = job.definition;
    const key = d.scope === 'local' ? `${job.assetId}.${d.name}@${replicaId}` : `${job.assetId}.${d.name}`;
    return { key, job, clock: jobClock(d), timeoutMs: toMs(d.timeout) };
  });
  const byKey = new Map(entries.map((e) => [e.key, e]));
  const running = new Map<string, Running>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = true;
  let polling: Promise<void> = Promise.resolve();

  const leaseFree = (now: number) => (eb: ExpressionBuilder<BackgroundDb, 'sb_job'>) =>
    eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', ts(now))]);

  const ensureRows = async () => {
    const now = Date.now();
    for (const e of entries) {
      const row = await db.selectFrom('sb_job').select(['schedule']).where('job_key', '=', e.key).executeTakeFirst();
      if (row && row.schedule === e.clock.schedule) continue;
      if (row) {
        // A changed schedule starts from the next tick of the new one rather than replaying the old one's backlog.
        await db
          .updateTable('sb_job')
          .set({ schedule: e.clock.schedule, next_due: ts(e.clock.next(now)) })
          .where('job_key', '=', e.key)
          .execute();
        continue;
      }
      try {
        await db
          .insertInto('sb_job')
          .values({
            job_key: e.key,
            asset_id: e.job.assetId,
            name: e.job.definition.name,
            scope: e.job.definition.scope ?? 'global',
            schedule: e.clock.schedule,
            next_due: ts(e.clock.next(now)),
            lease_owner: null,
            lease_until: null,
            running_tick: null,
            running_attempt: null,
            trigger_at: null,
          })
          .execute();
      } catch (err) {
        if (!isUniqueViolation(err)) throw err; // another replica registered it first
      }
    }
  };

  const recordRun = async (
    e: Entry,
    tick: number,
    attempt: number,
    trigger: Trigger | 'skipped',
    outcome: string,
    error: string | null,
  ) => {
    const now = Date.now();
    await db
      .insertInto('sb_job_run')
      .values({
        job_key: e.key,
        tick: ts(tick),
        attempt,
        triggered_by: trigger === 'skipped' ? 'schedule' : trigger,
        replica: replicaId,
        started_at: ts(now),
        finished_at: outcome === 'running' ? null : ts(now),
        outcome,
        error,
      })
      .execute();
  };

  const execute = (e: Entry, tick: number, attempt: number, trigger: Trigger) => {
    const abort = new AbortController();
    const state: Running = { abort, interrupted: false, done: Promise.resolve() };
    running.set(e.key, state);
    state.done = (async () => {
      const renew = setInterval(
        async () => {
          try {
            const r = await db
              .updateTable('sb_job')
              .set({ lease_until: ts(Date.now() + leaseMs) })
              .where('job_key', '=', e.key)
              .where('lease_owner', '=', replicaId)
              .executeTakeFirst();
            if (Number(r.numUpdatedRows) === 0) {
              log.warn({ job: e.key }, 'job lease lost; aborting the run (another replica owns the tick now)');
              abort.abort(new Error('lease lost'));
            }
          } catch (err) {
            log.warn({ err, job: e.key }, 'job lease renewal failed; will retry');
          }
        },
        Math.max(50, Math.floor(leaseMs / 3)),
      );
      let outcome = 'succeeded';
      let error: string | null = null;
      try {
        await recordRun(e, tick, attempt, trigger, 'running', null);
        let timeout: NodeJS.Timeout | undefined;
        const timedOut = new Promise<never>((_, reject) => {
          timeout = setTimeout(() => {
            const err = new Error(`timed out after ${e.timeoutMs} ms`);
            abort.abort(err);
            reject(err);
          }, e.timeoutMs);
        });
        const aborted = new Promise<never>((_, reject) => abort.signal.addEventListener('abort', () => reject(abort.signal.reason)));
        try {
          await Promise.race([
            e.job.run({ name: e.job.definition.name, scheduledAt: new Date(tick), trigger, signal: abort.signal }),
            timedOut,
            aborted,
          ]);
        } finally {
          clearTimeout(timeout);
        }
      } catch (err) {
        error = (err as Error)?.message ?? String(err);
        outcome = state.interrupted ? 'interrupted' : /^timed out/.test(error) ? 'timed-out' : 'failed';
        if (!state.interrupted) log.error({ err, job: e.key, tick: new Date(tick).toISOString() }, `job ${e.key} failed`);
      } finally {
        clearInterval(renew);
      }
      try {
        await db
          .updateTable('sb_job_run')
          .set({ finished_at: ts(Date.now()), outcome, error })
          .where('job_key', '=', e.key)
          .where('tick', '=', ts(tick))
          .where('attempt', '=', attempt)
          .execute();
        // An interrupted run keeps `running_tick`, so the next replica to see the free lease resumes that tick.
        await db
          .updateTable('sb_job')
          .set(
            state.interrupted
              ? { lease_owner: null, lease_until: null }
              : { lease_owner: null, lease_until: null, running_tick: null, running_attempt: null },
          )
          .where('job_key', '=', e.key)
          .where('lease_owner', '=', replicaId)
          .execute();
      } catch (err) {
        log.error({ err, job: e.key }, 'could not record the end of a job run; its lease will expire');
      } finally {
        running.delete(e.key);
      }
    })();
  };

  /** Ticks from `due` up to `now`: how many, and the latest. */
  const dueTicks = (clock: JobClock, due: number, now: number) => {
    let latest = due;
    let count = 1;
    for (let t = clock.next(due); t <= now && count < 100_000; t = clock.next(t)) {
      latest = t;
      count++;
    }
    return { latest, count };
  };

  const claim = async (e: Entry, row: BackgroundRow, now: number): Promise<void> => {
    const free = leaseFree(now);
    const lease = { lease_owner: replicaId, lease_until: ts(now + leaseMs) };
    const runningTick = ms(row.running_tick);
    if (runningTick !== null) {
      // The holder died (or was stopped) mid-run: resume that tick as the next attempt.
      const attempt = (row.running_attempt ?? 1) + 1;
      const r = await db
        .updateTable('sb_job')
        .set({ ...lease, running_attempt: attempt })
        .where('job_key', '=', e.key)
        .where('running_tick', '=', ts(runningTick))
        .where(free)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return;
      await db
        .updateTable('sb_job_run')
        .set({ outcome: 'abandoned', finished_at: ts(now), error: 'the replica running it stopped renewing its lease' })
        .where('job_key', '=', e.key)
        .where('tick', '=', ts(runningTick))
        .where('outcome', '=', 'running')
        .execute();
      log.warn({ job: e.key, tick: new Date(runningTick).toISOString(), attempt }, 'taking over a job whose holder stopped');
      execute(e, runningTick, attempt, 'takeover');
      return;
    }
    const triggerAt = ms(row.trigger_at);
    if (triggerAt !== null) {
      const r = await db
        .updateTable('sb_job')
        .set({ ...lease, running_tick: ts(triggerAt), running_attempt: 1, trigger_at: null })
        .where('job_key', '=', e.key)
        .where('trigger_at', '=', ts(triggerAt))
        .where(free)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 1) execute(e, triggerAt, 1, 'manual');
      return;
    }
    const due = ms(row.next_due) as number;
    if (due > now) return;
    const catchUp = e.job.definition.misfire === 'catch-up';
    let runTick = due;
    let skipped = 0;
    if (!catchUp) {
      const { latest, count } = dueTicks(e.clock, due, now);
      runTick = latest;
      skipped = count - 1;
      if (now - latest > graceMs) {
        runTick = -1;
        skipped = count;
      }
    }
    const nextDue = catchUp ? e.clock.next(due) : e.clock.next(Math.max(now, runTick));
    const r = await db
      .updateTable('sb_job')
      .set(runTick < 0 ? { next_due: ts(nextDue) } : { ...lease, next_due: ts(nextDue), running_tick: ts(runTick), running_attempt: 1 })
      .where('job_key', '=', e.key)
      .where('next_due', '=', ts(due))
      .where(free)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return;
    if (skipped > 0) {
      await recordRun(e, due, 0, 'skipped', 'skipped', `${skipped} missed tick(s) skipped (misfire: skip)`).catch((err) =>
        log.warn({ err, job: e.key }, 'could not record skipped ticks'),
      );
    }
    if (runTick >= 0) execute(e, runTick, 1, 'schedule');
  };

  type BackgroundRow = Awaited<ReturnType<typeof readRows>>[number];
  const readRows = () =>
    db
      .selectFrom('sb_job')
      .selectAll()
      .where(
        'job_key',
        'in',
        entries.map((e) => e.key),
      )
      .execute();

  const pollOnce = async () => {
    if (entries.length === 0) return;
    const rows = await readRows();
    const now = Date.now();
    let soonest = now + pollMs;
    for (const row of rows) {
      const e = byKey.get(row.job_key);
      if (!e || running.has(e.key) || stopped || !enabled(e.job.assetId)) continue;
      try {
        await claim(e, row, now);
      } catch (err) {
        log.error({ err, job: e.key }, 'claiming a job failed; will retry');
      }
      const due = ms(row.next_due) as number;
      if (due > now) soonest = Math.min(soonest, due);
    }
    return soonest;
  };

  const loop = async () => {
    if (stopped) return;
    let wakeAt = Date.now() + pollMs;
    try {
      polling = pollOnce().then((s) => {
        if (s) wakeAt = s;
      });
      await polling;
    } catch (err) {
      log.error({ err }, 'scheduler poll failed; will retry');
    }
    if (!stopped) timer = setTimeout(loop, Math.max(5, Math.min(pollMs, wakeAt - Date.now() + 2)));
  };

  const toRun = (r: Record<string, unknown>): JobRunInfo => ({
    id: Number(r.id),
    jobKey: String(r.job_key),
    tick: new Date(ms(r.tick) as number),
    attempt: Number(r.attempt),
    trigger: String(r.triggered_by),
    replica: String(r.replica),
    startedAt: new Date(ms(r.started_at) as number),
    finishedAt: r.finished_at == null ? null : new Date(ms(r.finished_at) as number),
    outcome: String(r.outcome),
    error: (r.error as string | null) ?? null,
  });

  return {
    async start() {
      await ensureRows();
      stopped = false;
      void loop();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await polling.catch(() => undefined);
      const all = [...running.values()];
      const drained = await Promise.race([
        Promise.all(all.map((r) => r.done)).then(() => true),
        new Promise<boolean>((res) => setTimeout(() => res(false), drainMs).unref()),
      ]);
      if (!drained) {
        for (const r of running.values()) {
          r.interrupted = true;
          r.abort.abort(new Error('the platform is shutting down'));
        }
        await Promise.all([...running.values()].map((r) => r.done));
      }
    },
    async trigger(jobKey) {
      const r = await db
        .updateTable('sb_job')
        .set({ trigger_at: ts(Date.now()) })
        .where('job_key', '=', jobKey)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return false;
      if (!stopped && byKey.has(jobKey)) {
        clearTimeout(timer);
        timer = setTimeout(loop, 0);
      }
      return true;
    },
    async list() {
      const rows = await db.selectFrom('sb_job').selectAll().orderBy('job_key').execute();
      const last = await db
        .selectFrom('sb_job_run')
        .selectAll()
        .where(
          'id',
          'in',
          db
            .selectFrom('sb_job_run')
            .select((eb) => eb.fn.max('id').as('id'))
            .groupBy('job_key'),
        )
        .execute();
      const lastBy = new Map(last.map((r) => [r.job_key, toRun(r)]));
      return rows.map((r) => ({
        key: r.job_key,
        assetId: r.asset_id,
        name: r.name,
        scope: r.scope,
        schedule: r.schedule,
        nextDue: new Date(ms(r.next_due) as number),
        leaseOwner: r.lease_owner,
        leaseUntil: r.lease_until == null ? null : new Date(ms(r.lease_until) as number),
        running: r.running_tick != null,
        lastRun: lastBy.get(r.job_key) ?? null,
      }));
    },
    async history(jobKey, limit = 50) {
      const rows = await db
        .selectFrom('sb_job_run')
        .selectAll()
        .where('job_key', '=', jobKey)
        .orderBy('id', 'desc')
        .limit(Math.min(Math.max(1, limit), 1000))
        .execute();
      return rows.map(toRun);
    },
    async poll() {
      await pollOnce();
    },
  };
};

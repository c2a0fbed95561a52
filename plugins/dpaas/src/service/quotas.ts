/**
 * @module Plan limits on what an app holds, checked exactly across replicas: every check runs in a transaction that
 * first locks the app's account row, so two concurrent creates of one app are counted one after the other.
 *
 * Limit names (a plan's `limits`, read as `caller.limits`): `instances`, `vcpus`, `memoryMb` (instances that are not
 * deleted or in error), `snapshots` (both kinds, not being deleted), `templates` (the app's own). A missing name
 * means no limit.
 */
import { type Database, NotAllowedError } from '@switchboard/sdk';
import { AppAccount } from '../entities/app-account.js';
import { Instance } from '../entities/instance.js';
import { Operation } from '../entities/operation.js';
import { Snapshot } from '../entities/snapshot.js';
import { Template } from '../entities/template.js';
import { appKeyOf } from './ids.js';
import { COUNTED_STATES } from './instance-record.js';

export const LIMIT_NAMES = ['instances', 'vcpus', 'memoryMb', 'snapshots', 'templates'] as const;
export type LimitName = (typeof LIMIT_NAMES)[number];
export type Usage = Partial<Record<LimitName, number>>;

/**
 * Records the caller's limits (jobs have no caller and read them from here) and makes sure the app's row exists, so
 * the transaction can lock it with an update. Writes only when something changed; a plain insert rather than an
 * upsert, because concurrent `INSERT … ON DUPLICATE KEY UPDATE` of one new key can deadlock on InnoDB.
 */
export const rememberLimits = async (db: Database, appId: string | null, limits: Readonly<Record<string, number>>): Promise<void> => {
  const em = db.fork();
  const appKey = appKeyOf(appId);
  const stored = await em.findOne(AppAccount, { appKey });
  const wanted = { ...limits };
  if (!stored) {
    try {
      await em.insert(AppAccount, { appKey, limits: wanted, lockedAt: new Date() });
    } catch (e) {
      if (!(e instanceof Error && e.name === 'UniqueConstraintViolationException')) throw e;
    }
  } else if (JSON.stringify(stored.limits) !== JSON.stringify(wanted)) {
    await em.nativeUpdate(AppAccount, { appKey }, { limits: wanted });
  }
};

/** The limits last seen on the app's requests; empty when it never called (no limit is assumed). */
export const storedLimits = async (db: Database, appId: string | null): Promise<Record<string, number>> =>
  (await db.findOne(AppAccount, { appKey: appKeyOf(appId) }))?.limits ?? {};

/** Takes the app's lock until the transaction ends (a row lock on MariaDB/MySQL; SQLite has one writer anyway). */
export const lockApp = async (tx: Database, appId: string | null): Promise<void> => {
  await tx.nativeUpdate(AppAccount, { appKey: appKeyOf(appId) }, { lockedAt: new Date() });
};

/** What the app holds now, for the limits asked about. */
export const usageOf = async (db: Database, appId: string | null, names: readonly LimitName[]): Promise<Usage> => {
  const usage: Usage = {};
  if (names.some((n) => n === 'instances' || n === 'vcpus' || n === 'memoryMb')) {
    const rows = await db.find(Instance, { appId, state: { $in: [...COUNTED_STATES] } }, { fields: ['vcpus', 'memoryMb'] });
    usage.instances = rows.length;
    usage.vcpus = rows.reduce((a, r) => a + r.vcpus, 0);
    usage.memoryMb = rows.reduce((a, r) => a + r.memoryMb, 0);
  }
  // A create whose provider call is in flight has no row yet: its operation counts instead.
  const inFlight = (type: 'snapshot.create' | 'template.create') =>
    db.count(Operation, { appId, type, status: 'pending', resourceId: null });
  if (names.includes('snapshots'))
    usage.snapshots = (await db.count(Snapshot, { appId, state: { $in: ['creating', 'ready'] } })) + (await inFlight('snapshot.create'));
  if (names.includes('templates')) usage.templates = (await db.count(Template, { appId })) + (await inFlight('template.create'));
  return usage;
};

/** The first limit that `add` would exceed, or null. */
export const exceeded = (limits: Readonly<Record<string, number>>, usage: Usage, add: Usage) => {
  for (const name of LIMIT_NAMES) {
    const more = add[name] ?? 0;
    const max = limits[name];
    if (more <= 0 || typeof max !== 'number') continue;
    const used = usage[name] ?? 0;
    if (used + more > max) return { limit: name, max, used, requested: more };
  }
  return null;
};

/**
 * Refuses with 403 QUOTA_EXCEEDED when `add` would take the app past a limit. 403 rather than 429: waiting does not
 * help (nothing resets with time), only freeing resources or a bigger plan does, and clients retry 429s.
 */
export const checkQuota = async (tx: Database, appId: string | null, limits: Readonly<Record<string, number>>, add: Usage) => {
  const names = LIMIT_NAMES.filter((n) => (add[n] ?? 0) > 0 && typeof limits[n] === 'number');
  if (!names.length) return;
  const over = exceeded(limits, await usageOf(tx, appId, names), add);
  if (over)
    throw new NotAllowedError(
      `the plan allows ${over.max} ${over.limit}; the app uses ${over.used} and this needs ${over.requested} more`,
      { code: 'QUOTA_EXCEEDED', details: over },
    );
};

/** Locks, checks and runs `write` in one transaction; `write`'s rows count for the next check at once. */
export const withinQuota = async <T>(
  db: Database,
  appId: string | null,
  limits: Readonly<Record<string, number>>,
  add: Usage,
  write: (tx: Database) => Promise<T> | T,
): Promise<T> => {
  await rememberLimits(db, appId, limits);
  return db.transactional(async (tx) => {
    await lockApp(tx, appId);
    await checkQuota(tx, appId, limits, add);
    return write(tx);
  });
};

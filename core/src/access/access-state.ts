/**
 * @module What the request path needs to know about keys, subscriptions and toggles, cached in memory. Each replica
 * polls the shared-state version every second and drops its caches when it moved, so a revoked key, a suspended
 * subscription or a disabled asset takes effect on every replica within about a second — with no query per request
 * once warm.
 */
import type { MikroORM } from '@mikro-orm/core';
import type { Logger } from '@switchboard/sdk';
import { ApiKey } from './entities/api-key.js';
import { App } from './entities/app.js';
import { AssetToggle, GLOBAL } from './entities/asset-toggle.js';
import { Plan } from './entities/plan.js';
import { Subscription } from './entities/subscription.js';
import type { Window as RateWindow } from './rate-budget.js';
import { readVersion } from './state-version.js';

export interface KeyRecord {
  id: string;
  appId: string;
  orgId: string;
  /** SHA-256 of the key's secret, as bytes. */
  secretHash: Buffer;
  scopes: readonly string[];
  expiresAt: number | null;
  revoked: boolean;
}

export interface SubscriptionRecord {
  id: string;
  status: string;
  planId: string;
  perSecond: number | null;
  perMinute: number | null;
  monthlyQuota: number | null;
  /** The plan's asset-specific limits (handlers see them as `caller.limits`). */
  limits: Readonly<Record<string, number>>;
  /** The plan's limits as budget windows, in the order the gate checks them (built once, not per call). */
  windows: readonly RateWindow[];
}

/** Cached lookups per map before it is emptied: unknown key ids are cached too, and must not grow memory forever. */
const MAX_CACHED = 50_000;

/**
 * A cache of lookups that answers synchronously once a value is known (the request path then never awaits) and
 * shares one query among concurrent misses. A failed query is not cached.
 */
class LookupCache<T> {
  private map = new Map<string, T | Promise<T>>();

  get(key: string, load: () => Promise<T>): T | Promise<T> {
    const hit = this.map.get(key);
    if (hit !== undefined) return hit;
    if (this.map.size >= MAX_CACHED) this.map.clear();
    const map = this.map;
    const pending: Promise<T> = load().then(
      (value) => {
        if (map.get(key) === pending) map.set(key, value);
        return value;
      },
      (err) => {
        if (map.get(key) === pending) map.delete(key);
        throw err;
      },
    );
    map.set(key, pending);
    return pending;
  }

  clear(): void {
    this.map = new Map();
  }
}

export interface AccessStateOptions {
  orm: MikroORM;
  log: Logger;
  pollMs?: number;
}

export class AccessState {
  private version = -1;
  private readonly keys = new LookupCache<KeyRecord | null>();
  /**
   * Subscriptions by app, then asset (a loaded record, or the one query concurrent misses share): two lookups with ids
   * whose hashes V8 keeps, where a joined key would be a new string to build and hash on every call.
   */
  private subscriptions = new Map<string, Map<string, SubscriptionRecord | null | Promise<SubscriptionRecord | null>>>();
  private subscriptionCount = 0;
  /**
   * Keys whose secret was verified, by the whole presented key, so a warm call neither parses nor hashes. A lookup
   * hashes the presented string whatever it is, so its timing says nothing about a stored secret. Emptied on every
   * change (a revocation bumps the version) and when it reaches MAX_CACHED.
   */
  private verified = new Map<string, KeyRecord>();
  /** Per asset, the app ids it is disabled for (GLOBAL: for everyone). Most assets have no entry. */
  private disabled = new Map<string, Set<string>>();
  private timer: NodeJS.Timeout | undefined;
  private readonly touched = new Set<string>();

  constructor(private readonly options: AccessStateOptions) {}

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => {
      this.refresh().catch((err) => this.options.log.warn({ err }, 'access state refresh failed; serving from cache'));
    }, this.options.pollMs ?? 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.writeLastUsed();
  }

  /** Reloads when the shared version moved (or always, with `force`, after a change made on this replica). */
  async refresh(force = false): Promise<void> {
    const em = this.options.orm.em.fork();
    const version = await readVersion(em);
    if (!force && version === this.version) {
      await this.writeLastUsed();
      return;
    }
    const rows = await em.find(AssetToggle, { enabled: false });
    const disabled = new Map<string, Set<string>>();
    for (const t of rows) {
      const apps = disabled.get(t.assetId) ?? new Set<string>();
      apps.add(t.appId);
      disabled.set(t.assetId, apps);
    }
    this.disabled = disabled;
    this.keys.clear();
    this.subscriptions = new Map();
    this.subscriptionCount = 0;
    this.verified = new Map();
    this.version = version;
    await this.writeLastUsed();
  }

  /** Enabled unless disabled globally or for this app. */
  isEnabled(assetId: string, appId: string | null): boolean {
    const apps = this.disabled.get(assetId);
    if (apps === undefined) return true;
    return !apps.has(GLOBAL) && (appId === null || !apps.has(appId));
  }

  /** The record of a presented key whose secret was verified since the last change. */
  verifiedKey(presented: string): KeyRecord | undefined {
    return this.verified.get(presented);
  }

  rememberVerified(presented: string, record: KeyRecord): void {
    if (this.verified.size >= MAX_CACHED) this.verified = new Map();
    this.verified.set(presented, record);
  }

  /** The key's record, synchronously once cached. */
  findKey(keyId: string): KeyRecord | null | Promise<KeyRecord | null> {
    return this.keys.get(keyId, async () => {
      const em = this.options.orm.em.fork();
      const key = await em.findOne(ApiKey, { id: keyId });
      if (!key) return null;
      const app = await em.findOne(App, { id: key.appId });
      if (!app) return null;
      const scopes = Object.freeze([...key.scopes]);
      return {
        id: key.id,
        appId: key.appId,
        orgId: app.orgId,
        secretHash: Buffer.from(key.secretHash, 'hex'),
        scopes,
        expiresAt: key.expiresAt ? key.expiresAt.getTime() : null,
        revoked: key.revokedAt !== null && key.revokedAt !== undefined,
      };
    });
  }

  /** The app's subscription to the asset, with its plan's limits, synchronously once cached. */
  findSubscription(appId: string, assetId: string): SubscriptionRecord | null | Promise<SubscriptionRecord | null> {
    const hit = this.subscriptions.get(appId)?.get(assetId);
    if (hit !== undefined) return hit;
    if (this.subscriptionCount >= MAX_CACHED) {
      this.subscriptions = new Map();
      this.subscriptionCount = 0;
    }
    // Kept only in the map it was asked for: a change that emptied the caches meanwhile drops the (older) answer.
    const into = this.subscriptions;
    let byAsset = into.get(appId);
    if (byAsset === undefined) {
      byAsset = new Map();
      into.set(appId, byAsset);
    }
    const slot = byAsset;
    const pending: Promise<SubscriptionRecord | null> = this.loadSubscription(appId, assetId).then(
      (sub) => {
        if (slot.get(assetId) === pending) slot.set(assetId, sub);
        return sub;
      },
      (err) => {
        // A failed query is not cached.
        if (slot.get(assetId) === pending) {
          slot.delete(assetId);
          if (into === this.subscriptions) this.subscriptionCount--;
        }
        throw err;
      },
    );
    slot.set(assetId, pending);
    this.subscriptionCount++;
    return pending;
  }

  private async loadSubscription(appId: string, assetId: string): Promise<SubscriptionRecord | null> {
    const em = this.options.orm.em.fork();
    const sub = await em.findOne(Subscription, { appId, assetId });
    if (!sub) return null;
    const plan = await em.findOne(Plan, { id: sub.planId });
    const windows: RateWindow[] = [];
    if (plan?.perSecond) windows.push({ name: `${sub.id}:s`, limit: plan.perSecond, period: 'second' });
    if (plan?.perMinute) windows.push({ name: `${sub.id}:m`, limit: plan.perMinute, period: 'minute' });
    if (plan?.monthlyQuota) windows.push({ name: `${sub.id}:q`, limit: plan.monthlyQuota, period: 'month' });
    return {
      id: sub.id,
      status: sub.status,
      planId: sub.planId,
      perSecond: plan?.perSecond ?? null,
      perMinute: plan?.perMinute ?? null,
      monthlyQuota: plan?.monthlyQuota ?? null,
      limits: Object.freeze({ ...(plan?.limits ?? {}) }),
      windows,
    };
  }

  /** Records that a key was used; written at most once per poll, not per request. */
  touchKey(keyId: string): void {
    this.touched.add(keyId);
  }

  private async writeLastUsed(): Promise<void> {
    if (this.touched.size === 0) return;
    const ids = [...this.touched];
    this.touched.clear();
    await this.options.orm.em.fork().nativeUpdate(ApiKey, { id: { $in: ids } }, { lastUsedAt: new Date() });
  }
}

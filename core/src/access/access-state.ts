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
import { readVersion } from './state-version.js';

export interface KeyRecord {
  id: string;
  appId: string;
  orgId: string;
  secretHash: string;
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
}

export interface AccessStateOptions {
  orm: MikroORM;
  log: Logger;
  pollMs?: number;
}

export class AccessState {
  private version = -1;
  private keys = new Map<string, Promise<KeyRecord | null>>();
  private subscriptions = new Map<string, Promise<SubscriptionRecord | null>>();
  private toggles = new Map<string, boolean>();
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
    const rows = await em.find(AssetToggle, {});
    this.toggles = new Map(rows.map((t) => [`${t.assetId}:${t.appId}`, t.enabled]));
    this.keys = new Map();
    this.subscriptions = new Map();
    this.version = version;
    await this.writeLastUsed();
  }

  /** Enabled unless disabled globally or for this app. */
  isEnabled(assetId: string, appId: string | null): boolean {
    if (this.toggles.get(`${assetId}:${GLOBAL}`) === false) return false;
    return appId === null || this.toggles.get(`${assetId}:${appId}`) !== false;
  }

  findKey(keyId: string): Promise<KeyRecord | null> {
    let hit = this.keys.get(keyId);
    if (!hit) {
      hit = (async () => {
        const em = this.options.orm.em.fork();
        const key = await em.findOne(ApiKey, { id: keyId });
        if (!key) return null;
        const app = await em.findOne(App, { id: key.appId });
        if (!app) return null;
        return {
          id: key.id,
          appId: key.appId,
          orgId: app.orgId,
          secretHash: key.secretHash,
          scopes: Object.freeze([...key.scopes]),
          expiresAt: key.expiresAt ? key.expiresAt.getTime() : null,
          revoked: key.revokedAt !== null && key.revokedAt !== undefined,
        };
      })();
      this.keys.set(keyId, hit);
    }
    return hit;
  }

  findSubscription(appId: string, assetId: string): Promise<SubscriptionRecord | null> {
    const cacheKey = `${appId}:${assetId}`;
    let hit = this.subscriptions.get(cacheKey);
    if (!hit) {
      hit = (async () => {
        const em = this.options.orm.em.fork();
        const sub = await em.findOne(Subscription, { appId, assetId });
        if (!sub) return null;
        const plan = await em.findOne(Plan, { id: sub.planId });
        return {
          id: sub.id,
          status: sub.status,
          planId: sub.planId,
          perSecond: plan?.perSecond ?? null,
          perMinute: plan?.perMinute ?? null,
          monthlyQuota: plan?.monthlyQuota ?? null,
        };
      })();
      this.subscriptions.set(cacheKey, hit);
    }
    return hit;
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

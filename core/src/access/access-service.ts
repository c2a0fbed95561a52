/**
 * @module The access layer's operations: organizations, apps, keys, plans, subscriptions, operators and toggles.
 * The admin API, the developer API, the CLI and the test harness all call these, so they behave alike. Every change
 * writes an audit entry and bumps the shared-state version in the same transaction.
 */
import { type EntityManager, type MikroORM, UniqueConstraintViolationException } from '@mikro-orm/core';
import { ConflictError, InputError, NotFoundError } from '@switchboard/sdk';
import { ApiKey } from './entities/api-key.js';
import { App } from './entities/app.js';
import { AssetToggle, GLOBAL } from './entities/asset-toggle.js';
import { AuditEntry } from './entities/audit-entry.js';
import { Developer } from './entities/developer.js';
import { Membership } from './entities/membership.js';
import { Operator, type OperatorRole } from './entities/operator.js';
import { Organization } from './entities/organization.js';
import { Plan } from './entities/plan.js';
import { Subscription, type SubscriptionStatus } from './entities/subscription.js';
import { generateApiKey, generateToken, hashPassword, newId, sha256 } from './secrets.js';
import { bumpVersion } from './state-version.js';

/** Who made a change, as the audit log records it. */
export interface Actor {
  type: 'operator' | 'developer' | 'system';
  id: string;
}

export const SYSTEM: Actor = { type: 'system', id: 'system' };

/** Allowed subscription transitions. */
const TRANSITIONS: Record<SubscriptionStatus, SubscriptionStatus[]> = {
  pending: ['active', 'cancelled'],
  active: ['suspended', 'cancelled'],
  suspended: ['active', 'cancelled'],
  cancelled: [],
};

type Row = Record<string, unknown>;
const plain = (entity: object | null): Row | null => (entity ? ({ ...(entity as Row) } as Row) : null);

export class AccessService {
  constructor(
    private readonly orm: MikroORM,
    /** Asset ids that exist, to reject plans and toggles for unknown assets. */
    private readonly assetIds: () => string[],
    /** Runs after each committed change: this replica reloads at once, the others within their poll interval. */
    private readonly changed: () => Promise<void> = async () => {},
  ) {}

  /** Runs a change in a transaction with its audit entry and a version bump. */
  private async change<T>(
    actor: Actor,
    action: string,
    target: { type: string; id: () => string },
    work: (em: EntityManager) => Promise<{ result: T; before: object | null; after: object | null }>,
  ): Promise<T> {
    const result = await this.orm.em.fork().transactional(async (em) => {
      const { result, before, after } = await work(em);
      // Two replicas (or two operators) making the same thing at once: both checked, one insert loses on the
      // unique index. That is the conflict the check reports, not a server error.
      await em.flush().catch((e: unknown) => {
        if (e instanceof UniqueConstraintViolationException)
          throw new ConflictError(`${target.type} already exists`, { code: 'ALREADY_EXISTS', cause: e });
        throw e;
      });
      em.create(AuditEntry, {
        at: new Date(),
        actorType: actor.type,
        actorId: actor.id,
        action,
        targetType: target.type,
        targetId: target.id(),
        before: plain(before),
        after: plain(after),
      });
      await em.flush();
      await bumpVersion(em);
      return result;
    });
    await this.changed();
    return result;
  }

  private assertAsset(assetId: string): void {
    if (!this.assetIds().includes(assetId)) throw new NotFoundError('asset', assetId);
  }

  /** Creates an organization; `ownerId` makes a developer its owner in the same transaction. */
  async createOrganization(actor: Actor, input: { name: string; kind: 'business' | 'individual'; ownerId?: string }) {
    let id = '';
    return this.change(actor, 'organization.create', { type: 'organization', id: () => id }, async (em) => {
      const org = em.create(Organization, { id: newId('org'), name: input.name, kind: input.kind, createdAt: new Date() });
      id = org.id;
      if (input.ownerId) em.create(Membership, { developerId: input.ownerId, orgId: org.id, role: 'owner', createdAt: new Date() });
      return { result: org, before: null, after: org };
    });
  }

  async createApp(actor: Actor, input: { orgId: string; name: string }) {
    let id = '';
    return this.change(actor, 'app.create', { type: 'app', id: () => id }, async (em) => {
      if (!(await em.findOne(Organization, { id: input.orgId }))) throw new NotFoundError('organization', input.orgId);
      const app = em.create(App, { id: newId('app'), orgId: input.orgId, name: input.name, createdAt: new Date() });
      id = app.id;
      return { result: app, before: null, after: app };
    });
  }

  /** Issues a key; the returned `key` is the only time the secret exists outside the caller's hands. */
  async issueKey(actor: Actor, input: { appId: string; name: string; scopes?: string[]; expiresAt?: Date | null }) {
    const generated = generateApiKey();
    return this.change(actor, 'key.issue', { type: 'key', id: () => generated.id }, async (em) => {
      if (!(await em.findOne(App, { id: input.appId }))) throw new NotFoundError('app', input.appId);
      if (input.expiresAt && input.expiresAt.getTime() <= Date.now())
        throw new InputError('expiresAt must be in the future', { code: 'KEY_EXPIRY_IN_PAST' });
      const row = em.create(ApiKey, {
        id: generated.id,
        appId: input.appId,
        name: input.name,
        secretHash: generated.secretHash,
        scopes: input.scopes ?? ['*'],
        createdAt: new Date(),
        expiresAt: input.expiresAt ?? null,
        revokedAt: null,
        lastUsedAt: null,
      });
      const { secretHash: _hidden, ...after } = row;
      return { result: { ...after, key: generated.key }, before: null, after };
    });
  }

  async revokeKey(actor: Actor, keyId: string) {
    return this.change(actor, 'key.revoke', { type: 'key', id: () => keyId }, async (em) => {
      const row = await em.findOne(ApiKey, { id: keyId });
      if (!row) throw new NotFoundError('key', keyId);
      const { secretHash: _h, ...before } = { ...row };
      if (!row.revokedAt) row.revokedAt = new Date();
      const { secretHash: _h2, ...after } = { ...row };
      return { result: after, before, after };
    });
  }

  async createPlan(
    actor: Actor,
    input: {
      assetId: string;
      name: string;
      perSecond?: number | null;
      perMinute?: number | null;
      monthlyQuota?: number | null;
      requiresApproval?: boolean;
      limits?: Record<string, number> | null;
    },
  ) {
    this.assertAsset(input.assetId);
    let id = '';
    return this.change(actor, 'plan.create', { type: 'plan', id: () => id }, async (em) => {
      if (await em.findOne(Plan, { assetId: input.assetId, name: input.name })) {
        throw new ConflictError(`asset '${input.assetId}' already has a plan '${input.name}'`, { code: 'PLAN_EXISTS' });
      }
      const plan = em.create(Plan, {
        id: newId('pln'),
        assetId: input.assetId,
        name: input.name,
        perSecond: input.perSecond ?? null,
        perMinute: input.perMinute ?? null,
        monthlyQuota: input.monthlyQuota ?? null,
        limits: input.limits ?? null,
        requiresApproval: input.requiresApproval ?? false,
        createdAt: new Date(),
      });
      id = plan.id;
      return { result: plan, before: null, after: plan };
    });
  }

  /** Subscribes an app to an asset's plan: active at once, or pending when the plan needs approval. */
  async subscribe(actor: Actor, input: { appId: string; planId: string }) {
    let id = '';
    return this.change(actor, 'subscription.create', { type: 'subscription', id: () => id }, async (em) => {
      const plan = await em.findOne(Plan, { id: input.planId });
      if (!plan) throw new NotFoundError('plan', input.planId);
      if (!(await em.findOne(App, { id: input.appId }))) throw new NotFoundError('app', input.appId);
      const status: SubscriptionStatus = plan.requiresApproval ? 'pending' : 'active';
      const existing = await em.findOne(Subscription, { appId: input.appId, assetId: plan.assetId });
      if (existing && existing.status !== 'cancelled') {
        throw new ConflictError(`app '${input.appId}' is already subscribed to '${plan.assetId}'`, { code: 'ALREADY_SUBSCRIBED' });
      }
      const before = existing ? { ...existing } : null;
      const now = new Date();
      const sub =
        existing ??
        em.create(Subscription, {
          id: newId('sub'),
          appId: input.appId,
          assetId: plan.assetId,
          planId: plan.id,
          status,
          createdAt: now,
          updatedAt: now,
        });
      Object.assign(sub, { planId: plan.id, status, updatedAt: now });
      id = sub.id;
      return { result: sub, before, after: sub };
    });
  }

  /** Moves a subscription along pending → active → suspended → cancelled. */
  async setSubscriptionStatus(actor: Actor, subscriptionId: string, status: SubscriptionStatus) {
    return this.change(actor, `subscription.${status}`, { type: 'subscription', id: () => subscriptionId }, async (em) => {
      const sub = await em.findOne(Subscription, { id: subscriptionId });
      if (!sub) throw new NotFoundError('subscription', subscriptionId);
      if (sub.status === status) return { result: sub, before: { ...sub }, after: sub };
      if (!TRANSITIONS[sub.status as SubscriptionStatus].includes(status)) {
        throw new ConflictError(`a subscription that is ${sub.status} cannot become ${status}`, { code: 'INVALID_TRANSITION' });
      }
      const before = { ...sub };
      Object.assign(sub, { status, updatedAt: new Date() });
      return { result: sub, before, after: sub };
    });
  }

  /** Enables or disables an asset, globally or for one app. */
  async setToggle(actor: Actor, input: { assetId: string; appId?: string | null; enabled: boolean }) {
    this.assertAsset(input.assetId);
    const appId = input.appId ?? GLOBAL;
    return this.change(
      actor,
      input.enabled ? 'asset.enable' : 'asset.disable',
      { type: 'asset', id: () => `${input.assetId}:${appId}` },
      async (em) => {
        const row = await em.findOne(AssetToggle, { assetId: input.assetId, appId });
        const before = row ? { ...row } : null;
        const toggle = row ?? em.create(AssetToggle, { assetId: input.assetId, appId, enabled: input.enabled, updatedAt: new Date() });
        Object.assign(toggle, { enabled: input.enabled, updatedAt: new Date() });
        return { result: { assetId: input.assetId, appId: input.appId ?? null, enabled: input.enabled }, before, after: toggle };
      },
    );
  }

  /** Signs a developer up: the account (scrypt password hash) and a personal organization they own. */
  async signUp(input: { email: string; password: string; name: string }) {
    const email = input.email.trim().toLowerCase();
    const passwordHash = await hashPassword(input.password);
    let id = '';
    return this.change({ type: 'developer', id: 'self' }, 'developer.signup', { type: 'developer', id: () => id }, async (em) => {
      if (await em.findOne(Developer, { email })) throw new ConflictError('an account with this email exists', { code: 'EMAIL_TAKEN' });
      const dev = em.create(Developer, { id: newId('dev'), email, name: input.name, passwordHash, createdAt: new Date() });
      id = dev.id;
      const org = em.create(Organization, { id: newId('org'), name: input.name, kind: 'individual', createdAt: new Date() });
      em.create(Membership, { developerId: dev.id, orgId: org.id, role: 'owner', createdAt: new Date() });
      const { passwordHash: _h, ...after } = dev;
      return { result: { developer: dev, organization: org }, before: null, after };
    });
  }

  /** Creates an operator; returns its admin token once. */
  /** Replaces an operator's token (the env's SWITCHBOARD_ADMIN_TOKEN changed, or a rotation): audited, never logged. */
  async setOperatorToken(actor: Actor, operatorId: string, token: string) {
    return this.change(actor, 'operator.token-rotate', { type: 'operator', id: () => operatorId }, async (em) => {
      const op = await em.findOne(Operator, { id: operatorId });
      if (!op) throw new NotFoundError('operator', operatorId);
      op.tokenHash = sha256(token);
      return { result: undefined, before: { id: op.id, email: op.email }, after: { id: op.id, email: op.email, tokenRotated: true } };
    });
  }

  async createOperator(actor: Actor, input: { email: string; name: string; role: OperatorRole; token?: string }) {
    const { token, hash } = input.token ? { token: input.token, hash: sha256(input.token) } : generateToken('sba');
    let id = '';
    return this.change(actor, 'operator.create', { type: 'operator', id: () => id }, async (em) => {
      if (await em.findOne(Operator, { email: input.email }))
        throw new ConflictError(`operator '${input.email}' exists`, { code: 'OPERATOR_EXISTS' });
      const op = em.create(Operator, {
        id: newId('op'),
        email: input.email,
        name: input.name,
        role: input.role,
        tokenHash: hash,
        createdAt: new Date(),
        disabledAt: null,
      });
      id = op.id;
      const { tokenHash: _h, ...after } = op;
      return { result: { ...after, token }, before: null, after };
    });
  }
}

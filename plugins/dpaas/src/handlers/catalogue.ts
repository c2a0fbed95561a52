/**
 * @module The catalogue: zones and offerings (the provider's, shared by every app) and templates — the provider's
 * public ones plus the app's own (registered from a URL, or made from a volume snapshot or a stopped instance).
 */
import { randomBytes } from 'node:crypto';
import { ConflictError, InputError, NotAllowedError, NotFoundError } from '@switchboard/sdk';
import type { Template as ProviderTemplate } from '../driver/catalogue.js';
import { driverErrorReason } from '../driver/driver-error.js';
import { Snapshot } from '../entities/snapshot.js';
import { Template, type TemplateRow } from '../entities/template.js';
import type { components } from '../generated/openapi.js';
import { newOperationRow } from '../service/operations.js';
import { withinQuota } from '../service/quotas.js';
import { actionable, type Ctx, inOurTerms, ownInstance, type Part, runOperation } from './context.js';

type TemplateView = components['schemas']['Template'];

/** Ids of rows that hold a registration's quota until the provider names the template (never shown). */
const PLACEHOLDER = 'registering-';

const publicView = (t: ProviderTemplate): TemplateView => ({
  id: t.id,
  name: t.name,
  description: t.description,
  zoneId: t.zoneId,
  osTypeId: t.osTypeId,
  status: t.status,
  public: true,
  sizeBytes: t.sizeBytes,
  createdAt: t.createdAt,
  // Tags on public templates are the operator's, not the app's.
  tags: {},
});

const ownView = (r: TemplateRow): TemplateView => ({
  id: r.id,
  name: r.name,
  description: r.description,
  zoneId: r.zoneId ?? null,
  osTypeId: r.osTypeId ?? null,
  status: r.status,
  public: false,
  sizeBytes: r.sizeBytes ?? null,
  createdAt: r.createdAt.toISOString(),
  tags: r.tags,
});

type CatalogueHandlers = Part<
  | 'listZones'
  | 'listOfferings'
  | 'listTemplates'
  | 'getTemplate'
  | 'registerTemplate'
  | 'deleteTemplate'
  | 'createTemplateFromInstance'
  | 'createTemplateFromSnapshot'
>;

export const catalogueHandlers = (ctx: Ctx): CatalogueHandlers => {
  const { db, driver } = ctx;

  /** Copies a download's or a capture's progress from the provider into the app's row. */
  const refresh = (row: TemplateRow, t: ProviderTemplate | undefined) => {
    if (!t || (t.status === row.status && t.sizeBytes === (row.sizeBytes ?? null))) return;
    Object.assign(row, { status: t.status, sizeBytes: t.sizeBytes, updatedAt: new Date() });
  };

  /** A template made under the `templates` limit, with the operation that makes it. */
  const capture = async (
    appId: string | null,
    limits: Readonly<Record<string, number>>,
    body: { name: string; description?: string; osTypeId?: string },
    source: { snapshotId: string } | { instanceId: string },
    providerSource: { snapshotId: string } | { instanceId: string },
  ) => {
    const recorded = await withinQuota(
      db,
      appId,
      limits,
      { templates: 1 },
      (tx) =>
        newOperationRow(tx, {
          appId,
          type: 'template.create',
          resourceType: 'template',
          resourceId: null,
          input: { name: body.name, source },
        }).id,
    );
    return runOperation(
      ctx,
      { recorded },
      () => driver.createTemplate({ name: body.name, description: body.description, osTypeId: body.osTypeId, source: providerSource }),
      (_op, outcome) => {
        if (!outcome.resourceId) return;
        const now = new Date();
        db.create(Template, {
          id: outcome.resourceId,
          appId,
          name: body.name,
          description: body.description ?? body.name,
          zoneId: null,
          osTypeId: body.osTypeId ?? null,
          status: 'pending',
          sizeBytes: null,
          tags: {},
          createdAt: now,
          updatedAt: now,
        });
      },
    );
  };

  return {
    listZones: async () => ({ status: 200, body: { items: await ctx.provider.zones() } }),

    listOfferings: async () => ({ status: 200, body: { items: await ctx.provider.offerings() } }),

    listTemplates: async ({ query, caller }) => {
      const listed = await driver.listTemplates({ zoneId: query.zoneId });
      const byId = new Map(listed.map((t) => [t.id, t]));
      const own = (await db.find(Template, { appId: caller.appId }, { orderBy: { createdAt: 'desc' } })).filter(
        (r) => !r.id.startsWith(PLACEHOLDER),
      );
      for (const row of own) refresh(row, byId.get(row.id));
      await db.flush();
      const ownIds = new Set(own.map((r) => r.id));
      const owner = query.owner ?? 'all';
      const publicOnes = owner === 'self' ? [] : listed.filter((t) => t.isPublic && !ownIds.has(t.id)).map(publicView);
      const mine = owner === 'public' ? [] : own.filter((r) => !query.zoneId || !r.zoneId || r.zoneId === query.zoneId).map(ownView);
      return { status: 200, body: { items: [...publicOnes, ...mine] } };
    },

    getTemplate: async ({ params, caller }) => {
      const row = await db.findOne(Template, { id: params.templateId, appId: caller.appId });
      if (row) {
        if (row.status === 'pending') {
          refresh(row, await driver.getTemplate(row.id).catch(() => undefined));
          await db.flush();
        }
        return { status: 200, body: ownView(row) };
      }
      const t = await driver.getTemplate(params.templateId).catch((e) => {
        if (driverErrorReason(e) === 'not-found') return null;
        throw e;
      });
      if (!t?.isPublic) throw new NotFoundError('template', params.templateId);
      return { status: 200, body: publicView(t) };
    },

    registerTemplate: async ({ body, caller }) => {
      const appId = caller.appId;
      const now = new Date();
      // The provider names the template only when it answers: a placeholder row holds the app's quota meanwhile.
      const placeholder = `${PLACEHOLDER}${randomBytes(8).toString('hex')}`;
      const row = (id: string, t?: ProviderTemplate) => ({
        id,
        appId,
        name: body.name,
        description: t?.description ?? body.description ?? body.name,
        zoneId: t?.zoneId ?? body.zoneId ?? null,
        osTypeId: t?.osTypeId ?? body.osTypeId ?? null,
        status: t?.status ?? ('pending' as const),
        sizeBytes: t?.sizeBytes ?? null,
        tags: {},
        createdAt: now,
        updatedAt: now,
      });
      await withinQuota(db, appId, caller.limits, { templates: 1 }, (tx) => {
        tx.create(Template, row(placeholder));
      });
      let t: ProviderTemplate;
      try {
        t = await driver.registerTemplate({
          name: body.name,
          description: body.description,
          url: body.url,
          format: body.format,
          zoneId: body.zoneId,
          osTypeId: body.osTypeId,
        });
      } catch (e) {
        await db.nativeDelete(Template, { id: placeholder });
        throw e;
      }
      // The real row first, then the placeholder goes: the app is never counted below what it holds.
      const created = db.create(Template, row(t.id, t));
      await db.flush();
      await db.nativeDelete(Template, { id: placeholder });
      return { status: 201, body: ownView(created) };
    },

    deleteTemplate: async ({ params, caller }) => {
      const row = await db.findOne(Template, { id: params.templateId, appId: caller.appId });
      if (!row) {
        const t = await driver.getTemplate(params.templateId).catch(() => null);
        if (t?.isPublic) throw new NotAllowedError(`template '${t.id}' is provided by the operator and cannot be deleted`);
        throw new NotFoundError('template', params.templateId);
      }
      return runOperation(ctx, { appId: caller.appId, type: 'template.delete', resourceType: 'template', resourceId: row.id }, () =>
        driver.deleteTemplate(row.id),
      );
    },

    createTemplateFromInstance: async ({ params, body, caller }) => {
      const inst = await ownInstance(db, caller.appId, params.instanceId);
      const providerId = actionable(inst);
      if (inst.state !== 'stopped')
        throw new ConflictError(`instance '${inst.id}' is ${inst.state}; stop it to make a template`, { code: 'INVALID_STATE' });
      return capture(caller.appId, caller.limits, body, { instanceId: inst.id }, { instanceId: providerId }).catch((e) => {
        throw inOurTerms(e, providerId, inst.id);
      });
    },

    createTemplateFromSnapshot: async ({ params, body, caller }) => {
      const snap = await db.findOne(Snapshot, { id: params.snapshotId, appId: caller.appId });
      if (!snap) throw new NotFoundError('snapshot', params.snapshotId);
      if (snap.type !== 'volume')
        throw new InputError('templates are made from volume snapshots; this is an instance snapshot', { code: 'UNSUPPORTED_OPERATION' });
      if (snap.state !== 'ready')
        throw new ConflictError(`snapshot '${snap.id}' is ${snap.state}; it must be ready`, { code: 'INVALID_STATE' });
      return capture(caller.appId, caller.limits, body, { snapshotId: snap.id }, { snapshotId: snap.id });
    },
  };
};

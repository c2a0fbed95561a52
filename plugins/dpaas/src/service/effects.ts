/**
 * @module What an ended operation changes in the asset's tables: the instance's state, a snapshot becoming ready or
 * gone, a template's status, a new rule's id, tags. Applied once per operation (see operations.ts).
 */
import type { Database } from '@switchboard/sdk';
import type { Operation as DriverOperation } from '../driver/operation.js';
import { Instance } from '../entities/instance.js';
import { Operation, type OperationRow } from '../entities/operation.js';
import { Snapshot } from '../entities/snapshot.js';
import { Tag } from '../entities/tag.js';
import { Template } from '../entities/template.js';
import { applyProviderInstance, refreshFromProvider } from './instance-record.js';
import type { OpsDeps } from './operations.js';

const verb: Record<string, string> = {
  'instance.create': 'created',
  'instance.start': 'started',
  'instance.stop': 'stopped',
  'instance.reboot': 'rebooted',
  'instance.resize': 'resized',
  'instance.destroy': 'destroyed',
  'instance.recover': 'recovered',
  'snapshot.revert': 'reverted to a snapshot',
};

/** The taggable row's tags, kept as JSON for views; the tag rows are what lists filter on. */
const setTagJson = async (db: Database, op: OperationRow, tags: (current: Record<string, string>) => Record<string, string>) => {
  const id = op.resourceId as string;
  const row =
    op.resourceType === 'instance'
      ? await db.findOne(Instance, { id, appId: op.appId })
      : await db.findOne(Template, { id, appId: op.appId });
  if (row) row.tags = tags(row.tags);
};

export const applyEffect = async ({ db, driver }: OpsDeps, op: OperationRow, outcome: DriverOperation): Promise<void> => {
  const ok = outcome.status === 'succeeded';
  const result = outcome.result;
  const input = op.input ?? {};

  if (op.type.startsWith('instance.') || op.type === 'snapshot.revert') {
    const id = op.type === 'snapshot.revert' ? String(input.instanceId) : op.resourceId;
    const row = id ? await db.findOne(Instance, { id, appId: op.appId }) : null;
    if (row) {
      const detail = ok ? `${verb[op.type] ?? op.type} (operation ${op.id})` : `${op.type} failed: ${outcome.error?.message ?? 'unknown'}`;
      if (ok && result?.type === 'instance') applyProviderInstance(db, row, result.instance, 'api', detail);
      // A failure, or an answer without the instance (an expunge): what the provider has now is the truth.
      else await refreshFromProvider(db, driver, row, 'api', detail);
    }
  } else if (op.type === 'snapshot.create') {
    const snap = op.resourceId ? await db.findOne(Snapshot, { id: op.resourceId }) : null;
    if (snap) snap.state = ok ? 'ready' : 'error';
    else if (ok && result?.type === 'snapshot') {
      // The provider named the snapshot only at the end.
      const now = new Date();
      db.create(Snapshot, {
        id: result.snapshot.id,
        appId: op.appId,
        type: result.snapshot.type,
        instanceId: (input.instanceId as string) ?? null,
        name: result.snapshot.name,
        state: 'ready',
        policyId: (input.policyId as number) ?? null,
        createdAt: now,
        updatedAt: now,
      });
      await db.nativeUpdate(Operation, { id: op.id }, { resourceId: result.snapshot.id });
      op.resourceId = result.snapshot.id;
    }
    if (snap) snap.updatedAt = new Date();
  } else if (op.type === 'snapshot.delete') {
    const snap = op.resourceId ? await db.findOne(Snapshot, { id: op.resourceId }) : null;
    if (snap && ok) db.remove(snap);
    else if (snap) Object.assign(snap, { state: 'ready', updatedAt: new Date() });
  } else if (op.type === 'template.create') {
    const id = op.resourceId ?? (result?.type === 'template' ? result.template.id : null);
    const row = id ? await db.findOne(Template, { id }) : null;
    if (row) {
      row.status = ok ? (result?.type === 'template' ? result.template.status : 'ready') : 'error';
      if (ok && result?.type === 'template') row.sizeBytes = result.template.sizeBytes;
      row.updatedAt = new Date();
    } else if (ok && result?.type === 'template') {
      const t = result.template;
      const now = new Date();
      db.create(Template, {
        id: t.id,
        appId: op.appId,
        name: t.name,
        description: t.description,
        zoneId: t.zoneId,
        osTypeId: t.osTypeId,
        status: t.status,
        sizeBytes: t.sizeBytes,
        tags: {},
        createdAt: now,
        updatedAt: now,
      });
      await db.nativeUpdate(Operation, { id: op.id }, { resourceId: t.id });
      op.resourceId = t.id;
    }
  } else if (op.type === 'template.delete') {
    if (ok && op.resourceId) {
      await db.nativeDelete(Template, { id: op.resourceId, appId: op.appId });
      await db.nativeDelete(Tag, { resourceType: 'template', resourceId: op.resourceId });
    }
  } else if (op.type === 'firewall-rule.add') {
    if (ok && result?.type === 'firewall-rule') {
      // The operation now names the rule it made, so a client can revoke it.
      await db.nativeUpdate(Operation, { id: op.id }, { resourceType: 'firewall-rule', resourceId: result.rule.id });
      Object.assign(op, { resourceType: 'firewall-rule', resourceId: result.rule.id });
    }
  } else if (op.type === 'tags.set' && ok && op.resourceId) {
    const tags = input.tags as Record<string, string>;
    const resourceType = op.resourceType === 'instance' ? 'instance' : 'template';
    const existing = await db.find(Tag, { resourceType, resourceId: op.resourceId, tagKey: { $in: Object.keys(tags) } });
    for (const [key, value] of Object.entries(tags)) {
      const row = existing.find((t) => t.tagKey === key);
      if (row) row.tagValue = value;
      else db.create(Tag, { appId: op.appId, resourceType, resourceId: op.resourceId, tagKey: key, tagValue: value });
    }
    await setTagJson(db, op, (current) => ({ ...current, ...tags }));
  } else if (op.type === 'tags.remove' && ok && op.resourceId) {
    const keys = input.keys as string[];
    await db.nativeDelete(Tag, {
      resourceType: op.resourceType === 'instance' ? 'instance' : 'template',
      resourceId: op.resourceId,
      tagKey: { $in: keys },
    });
    await setTagJson(db, op, (current) => Object.fromEntries(Object.entries(current).filter(([k]) => !keys.includes(k))));
  }
  await db.flush();
};

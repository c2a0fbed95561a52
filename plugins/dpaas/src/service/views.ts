/** @module Rows as the API shows them: the manifest's schemas, with dates as ISO strings. */
import type { FirewallRule } from '../driver/firewall.js';
import type { FirewallGroupRow } from '../entities/firewall-group.js';
import type { InstanceRow } from '../entities/instance.js';
import type { InstanceEventRow } from '../entities/instance-event.js';
import type { KeyPairRow } from '../entities/key-pair.js';
import type { OperationRow } from '../entities/operation.js';
import type { SnapshotRow } from '../entities/snapshot.js';
import type { PolicyFrequency, SnapshotPolicyRow } from '../entities/snapshot-policy.js';
import type { components } from '../generated/openapi.js';

type Schemas = components['schemas'];

const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export const instanceView = (r: InstanceRow): Schemas['Instance'] => ({
  id: r.id,
  name: r.name,
  state: r.state,
  zoneId: r.zoneId,
  templateId: r.templateId,
  offeringId: r.offeringId,
  vcpus: r.vcpus,
  memoryMb: r.memoryMb,
  ipAddress: r.ipAddress ?? null,
  keyPair: r.keyPair ?? null,
  firewallGroupIds: r.firewallGroupIds,
  tags: r.tags,
  createdAt: iso(r.createdAt),
  updatedAt: iso(r.updatedAt),
  removedAt: isoOrNull(r.removedAt),
});

export const operationView = (r: OperationRow): Schemas['Operation'] => ({
  id: r.id,
  type: r.type,
  status: r.status,
  resource: { type: r.resourceType, id: r.resourceId ?? null },
  error:
    r.status === 'failed'
      ? { code: r.errorCode ?? 'PROVIDER_ERROR', reason: r.errorReason ?? 'provider', message: r.errorMessage ?? 'the operation failed' }
      : null,
  createdAt: iso(r.createdAt),
  updatedAt: iso(r.updatedAt),
  completedAt: isoOrNull(r.completedAt),
});

export const eventView = (e: InstanceEventRow): Schemas['InstanceEvent'] => ({
  id: e.seq,
  type: e.type,
  source: e.source,
  fromState: e.fromState ?? null,
  toState: e.toState ?? null,
  detail: e.detail,
  at: iso(e.at),
});

export const snapshotView = (s: SnapshotRow, policies: ReadonlyMap<number, PolicyFrequency> = new Map()): Schemas['Snapshot'] => ({
  id: s.id,
  type: s.type,
  name: s.name,
  instanceId: s.instanceId ?? null,
  state: s.state,
  policy: s.policyId ? (policies.get(s.policyId) ?? null) : null,
  createdAt: iso(s.createdAt),
});

export const policyView = (p: SnapshotPolicyRow): Schemas['SnapshotPolicy'] => ({
  instanceId: p.instanceId,
  frequency: p.frequency,
  retention: p.retention,
  type: p.type,
  minute: p.minute,
  hour: p.hour,
  dayOfWeek: p.dayOfWeek,
  nextRunAt: iso(p.nextRunAt),
  lastRunAt: isoOrNull(p.lastRunAt),
  lastError: p.lastError ?? null,
  createdAt: iso(p.createdAt),
});

export const keyPairView = (k: KeyPairRow): Schemas['KeyPair'] => ({
  name: k.name,
  fingerprint: k.fingerprint,
  createdAt: iso(k.createdAt),
});

export const ruleView = (r: FirewallRule): Schemas['FirewallRule'] => ({ ...r });

export const groupView = (g: FirewallGroupRow, rules: FirewallRule[]): Schemas['FirewallGroup'] => ({
  id: g.id,
  name: g.name,
  description: g.description,
  rules: rules.map(ruleView),
  createdAt: iso(g.createdAt),
});

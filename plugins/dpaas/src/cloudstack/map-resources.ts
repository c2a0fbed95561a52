/** @module CloudStack response objects to neutral ones. Field names are CloudStack's (see the reference's VM fields). */
import type { Offering, Template, Zone } from '../driver/catalogue.js';
import type { FirewallGroup, FirewallProtocol, FirewallRule } from '../driver/firewall.js';
import type { Instance } from '../driver/instance.js';
import type { KeyPair } from '../driver/key-pair.js';
import type { Snapshot, SnapshotState } from '../driver/snapshot.js';
import type { Tag, TaggableType } from '../driver/tag.js';
import type { Json } from './cloudstack-client.js';
import { toNeutralState } from './map-state.js';

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
const strOrNull = (v: unknown): string | null => (v === undefined || v === null || v === '' ? null : String(v));
const num = (v: unknown): number => (v === undefined || v === null || v === '' ? 0 : Number(v));
const numOrNull = (v: unknown): number | null => (v === undefined || v === null || v === '' ? null : Number(v));
const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

/** CloudStack dates look like `2026-11-25T10:00:00+0000`; JavaScript wants the offset with a colon. */
export const toIso = (v: unknown): string => {
  const s = str(v);
  if (!s) return new Date(0).toISOString();
  const d = new Date(s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(d.getTime()) ? s : d.toISOString();
};

export const toTagRecord = (tags: unknown): Record<string, string> => Object.fromEntries(arr(tags).map((t) => [str(t.key), str(t.value)]));

export const toInstance = (vm: Json): Instance => {
  const nics = arr(vm.nic);
  const nic = nics.find((n) => n.isdefault === true || n.isdefault === 'true') ?? nics[0];
  return {
    id: str(vm.id),
    name: str(vm.name),
    displayName: str(vm.displayname ?? vm.name),
    state: toNeutralState(str(vm.state)),
    providerState: str(vm.state),
    zoneId: str(vm.zoneid),
    templateId: str(vm.templateid),
    offeringId: str(vm.serviceofferingid),
    vcpus: num(vm.cpunumber),
    memoryMb: num(vm.memory),
    ipAddress: strOrNull(nic?.ipaddress),
    keyPair: strOrNull(vm.keypair ?? vm.keypairs),
    firewallGroupIds: arr(vm.securitygroup).map((g) => str(g.id)),
    tags: toTagRecord(vm.tags),
    createdAt: toIso(vm.created),
  };
};

export const toZone = (z: Json): Zone => ({
  id: str(z.id),
  name: str(z.name),
  available: str(z.allocationstate || 'Enabled') === 'Enabled',
});

export const toOffering = (o: Json): Offering => ({
  id: str(o.id),
  name: str(o.name),
  description: str(o.displaytext ?? o.name),
  vcpus: num(o.cpunumber),
  cpuSpeedMhz: num(o.cpuspeed),
  memoryMb: num(o.memory),
});

export const toTemplate = (t: Json): Template => {
  const ready = t.isready === true || t.isready === 'true';
  const failed = /error|fail|abandon/i.test(str(t.status));
  return {
    id: str(t.id),
    name: str(t.name),
    description: str(t.displaytext ?? t.name),
    zoneId: strOrNull(t.zoneid),
    osTypeId: strOrNull(t.ostypeid),
    status: ready ? 'ready' : failed ? 'error' : 'pending',
    isPublic: t.ispublic === true || t.ispublic === 'true' || t.isfeatured === true || t.isfeatured === 'true',
    sizeBytes: numOrNull(t.size),
    createdAt: toIso(t.created),
  };
};

const VOLUME_SNAPSHOT_STATES: Record<string, SnapshotState> = {
  BackedUp: 'ready',
  Error: 'error',
  Destroying: 'deleting',
  Destroyed: 'deleting',
};

/** A volume snapshot; CloudStack does not say which VM the volume belongs to, so the caller passes it when known. */
export const toVolumeSnapshot = (s: Json, instanceId: string | null): Snapshot => ({
  type: 'volume',
  id: str(s.id),
  name: str(s.name),
  instanceId: strOrNull(s.virtualmachineid) ?? instanceId,
  volumeId: strOrNull(s.volumeid),
  state: VOLUME_SNAPSHOT_STATES[str(s.state)] ?? 'creating',
  createdAt: toIso(s.created),
});

const VM_SNAPSHOT_STATES: Record<string, SnapshotState> = { Ready: 'ready', Reverting: 'ready', Error: 'error', Expunging: 'deleting' };

export const toVmSnapshot = (s: Json): Snapshot => ({
  type: 'instance',
  id: str(s.id),
  name: str(s.displayname ?? s.name),
  instanceId: strOrNull(s.virtualmachineid),
  volumeId: null,
  state: VM_SNAPSHOT_STATES[str(s.state)] ?? 'creating',
  createdAt: toIso(s.created),
});

export const toFirewallRule = (r: Json, groupId: string): FirewallRule => {
  const protocol = str(r.protocol).toLowerCase() as FirewallProtocol;
  const ports = protocol === 'tcp' || protocol === 'udp';
  return {
    id: str(r.ruleid),
    groupId,
    protocol,
    startPort: ports ? numOrNull(r.startport) : null,
    endPort: ports ? numOrNull(r.endport) : null,
    icmpType: protocol === 'icmp' ? numOrNull(r.icmptype) : null,
    icmpCode: protocol === 'icmp' ? numOrNull(r.icmpcode) : null,
    cidr: str(r.cidr),
  };
};

export const toFirewallGroup = (g: Json): FirewallGroup => ({
  id: str(g.id),
  name: str(g.name),
  description: str(g.description),
  rules: arr(g.ingressrule).map((r) => toFirewallRule(r, str(g.id))),
});

export const toKeyPair = (k: Json): KeyPair => ({ name: str(k.name), fingerprint: str(k.fingerprint) });

/** CloudStack's resource type names for the neutral taggable types. */
export const RESOURCE_TYPES: Record<TaggableType, string> = { instance: 'UserVm', template: 'Template' };

export const toTag = (t: Json): Tag | undefined => {
  const type = (Object.keys(RESOURCE_TYPES) as TaggableType[]).find((k) => RESOURCE_TYPES[k] === str(t.resourcetype));
  return type && { resourceType: type, resourceId: str(t.resourceid), key: str(t.key), value: str(t.value) };
};

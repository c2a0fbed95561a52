/** @module The fake CloudStack's data, kept in CloudStack's own JSON shapes, with a seeded catalogue. */
import { randomUUID } from 'node:crypto';

export type Json = Record<string, unknown>;

export interface Job extends Json {
  jobid: string;
  cmd: string;
  jobstatus: 0 | 1 | 2;
  jobresultcode: number;
  jobresulttype: 'object';
  jobresult?: Json;
  jobinstancetype: string;
  jobinstanceid?: string;
  created: string;
  completed?: string;
}

export interface FakeState {
  account: { name: string; id: string; domainid: string };
  zones: Map<string, Json>;
  offerings: Map<string, Json>;
  osTypes: Map<string, Json>;
  templates: Map<string, Json>;
  vms: Map<string, Json>;
  volumes: Map<string, Json>;
  snapshots: Map<string, Json>;
  vmSnapshots: Map<string, Json>;
  groups: Map<string, Json & { ingressrule: Json[] }>;
  keyPairs: Map<string, Json>;
  /** Tags by resource id. */
  tags: Map<string, Json[]>;
  jobs: Map<string, Job>;
  limits: { user_vm: number | null };
  failingZones: Set<string>;
  vmNumber: number;
}

/** CloudStack's date format: `2026-11-25T10:00:00+0000`. */
export const csDate = (ms = Date.now()) => `${new Date(ms).toISOString().slice(0, 19)}+0000`;

/** Constant catalogue ids, so tests and benchmarks can name them. */
export const FAKE_CATALOGUE = {
  zoneId: 'c5000000-0000-4000-8000-000000000z01',
  zone2Id: 'c5000000-0000-4000-8000-000000000z02',
  smallOfferingId: 'c5000000-0000-4000-8000-000000000o01',
  mediumOfferingId: 'c5000000-0000-4000-8000-000000000o02',
  templateId: 'c5000000-0000-4000-8000-000000000t01',
  osTypeId: 'c5000000-0000-4000-8000-00000000os01',
} as const;

export const createFakeState = (): FakeState => {
  const c = FAKE_CATALOGUE;
  const account = { name: 'platform', id: randomUUID(), domainid: randomUUID() };
  const zone = (id: string, name: string) => ({ id, name, networktype: 'Basic', securitygroupsenabled: true, allocationstate: 'Enabled' });
  const offering = (id: string, name: string, cpunumber: number, memory: number) => ({
    id,
    name,
    displaytext: `${cpunumber} vCPU, ${memory} MB`,
    cpunumber,
    cpuspeed: 2000,
    memory,
    created: csDate(0),
  });
  const defaultGroup = {
    id: randomUUID(),
    name: 'default',
    description: 'Default Security Group',
    account: account.name,
    ingressrule: [],
    egressrule: [],
  };
  return {
    account,
    zones: new Map([
      [c.zoneId, zone(c.zoneId, 'fake-zone-1')],
      [c.zone2Id, zone(c.zone2Id, 'fake-zone-2')],
    ]),
    offerings: new Map([
      [c.smallOfferingId, offering(c.smallOfferingId, 'Small Instance', 1, 1024)],
      [c.mediumOfferingId, offering(c.mediumOfferingId, 'Medium Instance', 2, 4096)],
    ]),
    osTypes: new Map([[c.osTypeId, { id: c.osTypeId, description: 'Other Linux (64-bit)', oscategoryid: randomUUID() }]]),
    templates: new Map([
      [
        c.templateId,
        {
          id: c.templateId,
          name: 'CentOS 5.6 (64-bit) no GUI (Simulator)',
          displaytext: 'CentOS 5.6 (64-bit) no GUI (Simulator)',
          ispublic: true,
          isfeatured: true,
          isready: true,
          status: 'Download Complete',
          ostypeid: c.osTypeId,
          format: 'VHD',
          hypervisor: 'Simulator',
          size: 2147483648,
          account: 'system',
          created: csDate(0),
          zoneid: null,
        },
      ],
    ]),
    vms: new Map(),
    volumes: new Map(),
    snapshots: new Map(),
    vmSnapshots: new Map(),
    groups: new Map([[defaultGroup.id, defaultGroup]]),
    keyPairs: new Map(),
    tags: new Map(),
    jobs: new Map(),
    limits: { user_vm: null },
    failingZones: new Set(),
    vmNumber: 1,
  };
};

/** A VM as listVirtualMachines shows it: the stored record plus its tags and group names. */
export const renderVm = (state: FakeState, vm: Json): Json => ({
  ...vm,
  securitygroup: (vm.securitygroupids as string[]).map((id) => ({ id, name: state.groups.get(id)?.name ?? 'removed' })),
  securitygroupids: undefined,
  tags: state.tags.get(vm.id as string) ?? [],
});

/** A new VM and its ROOT volume, in the given state. */
export const addVm = (
  state: FakeState,
  fields: {
    name?: string;
    displayname?: string;
    zoneid: string;
    serviceofferingid: string;
    templateid: string;
    keypair?: string;
    securitygroupids: string[];
    state: string;
  },
): Json => {
  const n = state.vmNumber++;
  const id = randomUUID();
  const zone = state.zones.get(fields.zoneid) as Json;
  const offering = state.offerings.get(fields.serviceofferingid) as Json;
  const template = state.templates.get(fields.templateid) as Json;
  const name = fields.name ?? `i-2-${n}-VM`;
  const vm: Json = {
    id,
    name,
    displayname: fields.displayname ?? name,
    account: state.account.name,
    domainid: state.account.domainid,
    state: fields.state,
    zoneid: zone.id,
    zonename: zone.name,
    templateid: template.id,
    templatename: template.name,
    ostypeid: template.ostypeid,
    serviceofferingid: offering.id,
    serviceofferingname: offering.name,
    cpunumber: offering.cpunumber,
    cpuspeed: offering.cpuspeed,
    memory: offering.memory,
    hypervisor: 'Simulator',
    created: csDate(),
    nic: [
      {
        id: randomUUID(),
        networkid: randomUUID(),
        ipaddress: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
        macaddress: '02:00:4c:00:00:01',
        isdefault: true,
      },
    ],
    securitygroupids: fields.securitygroupids,
    ...(fields.keypair ? { keypair: fields.keypair } : {}),
  };
  state.vms.set(id, vm);
  const volumeId = randomUUID();
  state.volumes.set(volumeId, {
    id: volumeId,
    name: `ROOT-${n}`,
    type: 'ROOT',
    virtualmachineid: id,
    vmname: name,
    zoneid: zone.id,
    size: template.size,
    state: 'Ready',
    created: csDate(),
  });
  return vm;
};

/** Gone for good (expunged): the VM, its volumes, its VM snapshots and its tags. Volume snapshots stay. */
export const removeVm = (state: FakeState, id: string) => {
  state.vms.delete(id);
  for (const [vid, v] of state.volumes) if (v.virtualmachineid === id) state.volumes.delete(vid);
  for (const [sid, s] of state.vmSnapshots) if (s.virtualmachineid === id) state.vmSnapshots.delete(sid);
  state.tags.delete(id);
};

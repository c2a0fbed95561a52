/**
 * @module The provider-neutral compute driver: what the dPaaS asset asks of CloudStack, the simulator, or any later
 * provider. Reads return neutral objects; long work returns an `Operation` to poll; failures throw driver errors
 * (SDK domain errors with a `reason`, see driver-error.ts).
 */
import type { CreateTemplateInput, Offering, RegisterTemplateInput, Template, Zone } from './catalogue.js';
import type { FirewallGroup, FirewallRule, FirewallRuleInput } from './firewall.js';
import type { CreateInstanceInput, Instance, InstanceFilter } from './instance.js';
import type { CreatedKeyPair, KeyPair } from './key-pair.js';
import type { Operation, OperationResult, WaitOptions } from './operation.js';
import type { Page, PageRequest } from './page.js';
import type { CreateSnapshotInput, Snapshot, SnapshotFilter, SnapshotRef } from './snapshot.js';
import type { ResourceRef, Tag, TagFilter } from './tag.js';

export type DriverName = 'cloudstack' | 'simulator';

export interface ComputeDriver {
  readonly name: DriverName;

  // Catalogue. Lists return every item: the driver walks the provider's pages.
  listZones(): Promise<Zone[]>;
  listOfferings(): Promise<Offering[]>;
  listTemplates(filter?: { zoneId?: string }): Promise<Template[]>;
  getTemplate(id: string): Promise<Template>;
  /** Registers an image by URL; it is usable once its status is `ready`. */
  registerTemplate(input: RegisterTemplateInput): Promise<Template>;
  /** From a volume snapshot, or from a stopped instance's root disk (a running one is `invalid-state`). */
  createTemplate(input: CreateTemplateInput): Promise<Operation>;
  deleteTemplate(id: string): Promise<Operation>;

  // Instances.
  createInstance(input: CreateInstanceInput): Promise<Operation>;
  getInstance(id: string): Promise<Instance>;
  /** One page, with the total; for everything use `iterateInstances`. */
  listInstances(filter?: InstanceFilter, page?: PageRequest): Promise<Page<Instance>>;
  /** Every matching instance, fetched page by page (for the state-sync job over thousands of instances). */
  iterateInstances(filter?: InstanceFilter): AsyncIterable<Instance>;
  /** Starting a running instance succeeds at once (idempotent, as EC2); other states but stopped are `invalid-state`. */
  startInstance(id: string): Promise<Operation>;
  /** Stopping a stopped instance succeeds at once; `force` pulls the plug. */
  stopInstance(id: string, options?: { force?: boolean }): Promise<Operation>;
  /** Running instances only. */
  rebootInstance(id: string): Promise<Operation>;
  /** To another offering; running or stopped instances only. */
  resizeInstance(id: string, offeringId: string): Promise<Operation>;
  /**
   * Destroys (a running instance is stopped first): the instance becomes `deleted` and can be recovered, unless
   * `expunge`, when it goes through `deleting` and disappears. Destroying a deleted instance succeeds at once.
   */
  destroyInstance(id: string, options?: { expunge?: boolean }): Promise<Operation>;
  /** A `deleted` instance back to `stopped`. */
  recoverInstance(id: string): Promise<Operation>;

  // Firewall groups and their ingress rules.
  createFirewallGroup(input: { name: string; description?: string }): Promise<FirewallGroup>;
  getFirewallGroup(id: string): Promise<FirewallGroup>;
  listFirewallGroups(): Promise<FirewallGroup[]>;
  deleteFirewallGroup(id: string): Promise<void>;
  addFirewallRule(groupId: string, rule: FirewallRuleInput): Promise<Operation>;
  listFirewallRules(groupId: string): Promise<FirewallRule[]>;
  revokeFirewallRule(ruleId: string): Promise<Operation>;

  // Snapshots of an instance's root volume or of the whole instance.
  createSnapshot(input: CreateSnapshotInput): Promise<Operation>;
  getSnapshot(ref: SnapshotRef): Promise<Snapshot>;
  listSnapshots(filter?: SnapshotFilter): Promise<Snapshot[]>;
  /** Puts the instance back as it was; the instance must be stopped (`invalid-state` otherwise) and stays stopped. */
  revertSnapshot(ref: SnapshotRef): Promise<Operation>;
  deleteSnapshot(ref: SnapshotRef): Promise<Operation>;

  // SSH key pairs, named.
  /** The private key is in this answer only. */
  createKeyPair(name: string): Promise<CreatedKeyPair>;
  importKeyPair(name: string, publicKey: string): Promise<KeyPair>;
  listKeyPairs(): Promise<KeyPair[]>;
  deleteKeyPair(name: string): Promise<void>;

  // Tags.
  setTags(resource: ResourceRef, tags: Record<string, string>): Promise<Operation>;
  removeTags(resource: ResourceRef, keys: string[]): Promise<Operation>;
  listTags(filter?: TagFilter): Promise<Tag[]>;

  // Operations.
  /** The state of a job; an unknown id is `not-found`. */
  getOperation(jobId: string): Promise<Operation>;
  /** Polls with backoff until the operation ends: its result, or its failure thrown as a driver error. */
  waitForOperation(operation: Operation | string, options?: WaitOptions): Promise<OperationResult>;

  /** Releases timers and connections. */
  close(): Promise<void>;
}

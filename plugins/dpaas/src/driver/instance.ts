/** @module The neutral instance model: states, the instance, what creating one takes and how lists filter. */

/** Neutral instance states (as EC2 and libcloud name them); each provider maps its own words onto these. */
export type InstanceState = 'pending' | 'running' | 'stopping' | 'stopped' | 'deleting' | 'deleted' | 'error';

export const INSTANCE_STATES: readonly InstanceState[] = ['pending', 'running', 'stopping', 'stopped', 'deleting', 'deleted', 'error'];

export interface Instance {
  id: string;
  name: string;
  displayName: string;
  state: InstanceState;
  /** The provider's own state word (e.g. CloudStack's `Migrating`), for operators; clients read `state`. */
  providerState: string;
  zoneId: string;
  templateId: string;
  offeringId: string;
  vcpus: number;
  memoryMb: number;
  /** The default NIC's address, once the provider has assigned one. */
  ipAddress: string | null;
  keyPair: string | null;
  firewallGroupIds: string[];
  tags: Record<string, string>;
  /** ISO 8601. */
  createdAt: string;
}

export interface CreateInstanceInput {
  /** A host name: letters, digits and hyphens, 1–63 characters, starting with a letter. */
  name: string;
  displayName?: string;
  zoneId: string;
  offeringId: string;
  templateId: string;
  keyPair?: string;
  firewallGroupIds?: string[];
  /** Plain text (e.g. cloud-init); the driver encodes it. At most 32 KB once base64-encoded. */
  userData?: string;
  tags?: Record<string, string>;
  /** Start once created (default true); false leaves it stopped. */
  start?: boolean;
}

export interface InstanceFilter {
  ids?: string[];
  state?: InstanceState;
  zoneId?: string;
  /** Case-insensitive substring of the name or display name. */
  search?: string;
  /** Instances carrying every one of these tags. */
  tags?: Record<string, string>;
}

/** @module The neutral catalogue: zones, offerings (sizes) and templates (images). */

export interface Zone {
  id: string;
  name: string;
  /** False while the provider has the zone disabled: creating there fails. */
  available: boolean;
}

/** A size: what an instance gets. */
export interface Offering {
  id: string;
  name: string;
  description: string;
  vcpus: number;
  cpuSpeedMhz: number;
  memoryMb: number;
}

export type TemplateStatus = 'pending' | 'ready' | 'error';

export interface Template {
  id: string;
  name: string;
  description: string;
  /** Null when the template is available in every zone. */
  zoneId: string | null;
  osTypeId: string | null;
  status: TemplateStatus;
  /** Provided by the operator for everyone, rather than made by this account. */
  isPublic: boolean;
  sizeBytes: number | null;
  createdAt: string;
}

export interface RegisterTemplateInput {
  name: string;
  description?: string;
  /** Where the provider downloads the image from (http or https). */
  url: string;
  format?: 'QCOW2' | 'RAW' | 'VHD' | 'OVA' | 'ISO';
  /** Null or absent: every zone. */
  zoneId?: string;
  osTypeId?: string;
}

/** A template from a volume snapshot, or from the root disk of a stopped instance. */
export interface CreateTemplateInput {
  name: string;
  description?: string;
  source: { snapshotId: string } | { instanceId: string };
  osTypeId?: string;
}

/** @module The neutral snapshots: of an instance's root volume, or of the whole instance. */

export type SnapshotType = 'volume' | 'instance';

export type SnapshotState = 'creating' | 'ready' | 'deleting' | 'error';

/** Snapshot ids are the provider's, and two kinds live in two namespaces: a reference carries both. */
export interface SnapshotRef {
  type: SnapshotType;
  id: string;
}

export interface Snapshot extends SnapshotRef {
  name: string;
  instanceId: string | null;
  /** The snapshotted volume, for a volume snapshot. */
  volumeId: string | null;
  state: SnapshotState;
  createdAt: string;
}

export interface CreateSnapshotInput {
  instanceId: string;
  type: SnapshotType;
  name?: string;
}

export interface SnapshotFilter {
  instanceId?: string;
  type?: SnapshotType;
}

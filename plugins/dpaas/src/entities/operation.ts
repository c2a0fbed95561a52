/**
 * @module A long operation as the API shows it: the provider's job handle, the resource it concerns, its outcome, and
 * the idempotency key it was created with. Stored so that any replica can answer a poll and a retry.
 */
import { defineEntity, p } from '@switchboard/sdk';

export type OperationType =
  | 'instance.create'
  | 'instance.start'
  | 'instance.stop'
  | 'instance.reboot'
  | 'instance.resize'
  | 'instance.destroy'
  | 'instance.recover'
  | 'template.create'
  | 'template.delete'
  | 'firewall-rule.add'
  | 'firewall-rule.revoke'
  | 'snapshot.create'
  | 'snapshot.revert'
  | 'snapshot.delete'
  | 'tags.set'
  | 'tags.remove';

export type ResourceType = 'instance' | 'template' | 'snapshot' | 'firewall-group' | 'firewall-rule';
export type OperationStatus = 'pending' | 'succeeded' | 'failed';

export const Operation = defineEntity({
  name: 'DpaasOperation',
  tableName: 'dpaas_operation',
  properties: {
    seq: p.integer().primary().autoincrement(),
    id: p.string().length(24).unique(),
    appId: p.string().length(64).nullable(),
    type: p.string().length(32).$type<OperationType>(),
    status: p.string().length(16).$type<OperationStatus>(),
    /** The driver's job id; null while the provider call is in flight. */
    jobId: p.string().length(160).nullable(),
    resourceType: p.string().length(32).$type<ResourceType>(),
    resourceId: p.string().length(64).nullable(),
    /** What the effect on completion needs (tags to set, the instance a snapshot is of, ...). */
    input: p.json<Record<string, unknown>>().nullable(),
    idempotencyKey: p.string().length(255).nullable(),
    /** SHA-256 of the request, so a key reused for another request is refused. */
    requestHash: p.string().length(64).nullable(),
    errorCode: p.string().length(64).nullable(),
    errorReason: p.string().length(32).nullable(),
    errorMessage: p.string().length(1000).nullable(),
    createdAt: p.datetime(3),
    updatedAt: p.datetime(3),
    completedAt: p.datetime(3).nullable(),
  },
});

export type OperationRow = InstanceType<typeof Operation.class>;

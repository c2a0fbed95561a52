/** @module Reading CloudStack async jobs (queryAsyncJobResult) as neutral operations. */
import type { ComputeDriver } from '../driver/compute-driver.js';
import { DRIVER_ERROR_CODES } from '../driver/driver-error.js';
import type { Operation, OperationResult } from '../driver/operation.js';
import { pollOperation } from '../driver/poll-operation.js';
import type { Json } from './cloudstack-client.js';
import { type CloudStackContext, DONE_PREFIX } from './cloudstack-context.js';
import { reasonForCode } from './map-error.js';
import { toFirewallRule, toInstance, toTemplate, toVmSnapshot, toVolumeSnapshot } from './map-resources.js';

/** CloudStack refuses to start a running VM; the neutral API calls that a success (as EC2 does). */
const ALREADY_RUNNING = /already running/i;

export const createCloudStackOperations = (
  ctx: CloudStackContext,
): Pick<ComputeDriver, 'getOperation' | 'waitForOperation'> & { volumeOwner(volumeId: string): Promise<string | null> } => {
  const volumeOwner = async (volumeId: string): Promise<string | null> => {
    const { items } = await ctx.list('listVolumes', 'volume', { id: volumeId }).catch(() => ({ items: [] as Json[] }));
    return items[0]?.virtualmachineid ? String(items[0].virtualmachineid) : null;
  };

  /** A job's `jobresult` by the key CloudStack wraps it in. */
  const toResult = async (jobresult: Json | undefined): Promise<OperationResult> => {
    if (!jobresult) return { type: 'none' };
    if (jobresult.virtualmachine) return { type: 'instance', instance: toInstance(jobresult.virtualmachine as Json) };
    const template = Array.isArray(jobresult.template) ? jobresult.template[0] : jobresult.template;
    if (template) return { type: 'template', template: toTemplate(template as Json) };
    if (jobresult.snapshot) {
      const s = jobresult.snapshot as Json;
      return { type: 'snapshot', snapshot: toVolumeSnapshot(s, s.volumeid ? await volumeOwner(String(s.volumeid)) : null) };
    }
    const vmSnapshot = jobresult.vmsnapshot ?? jobresult.vmSnapshot;
    if (vmSnapshot) return { type: 'snapshot', snapshot: toVmSnapshot(vmSnapshot as Json) };
    const group = jobresult.securitygroup as Json | undefined;
    const rule = Array.isArray(group?.ingressrule) ? (group.ingressrule[0] as Json | undefined) : undefined;
    if (group && rule) return { type: 'firewall-rule', rule: toFirewallRule(rule, String(group.id)) };
    return { type: 'none' };
  };

  const fromDone = async (jobId: string): Promise<Operation> => {
    const [type, id] = jobId.slice(DONE_PREFIX.length).split(':');
    const base = { jobId, status: 'succeeded' as const, ...(id ? { resourceId: id } : {}) };
    if (type === 'instance' && id) return { ...base, result: { type: 'instance', instance: toInstance(await ctx.vm(id)) } };
    return { ...base, result: { type: 'none' } };
  };

  const getOperation = async (jobId: string): Promise<Operation> => {
    if (jobId.startsWith(DONE_PREFIX)) return fromDone(jobId);
    const job = await ctx.call('queryAsyncJobResult', { jobid: jobId }, { what: 'operation', id: jobId, param: 'jobid' });
    const resourceId = job.jobinstanceid ? { resourceId: String(job.jobinstanceid) } : {};
    const status = Number(job.jobstatus);
    if (status === 0) return { jobId, status: 'pending', ...resourceId };
    const jobresult = (job.jobresult ?? undefined) as Json | undefined;
    if (status === 1) {
      // The deploy job snapshots the VM when it ends, possibly before the tags the driver added at creation landed:
      // read the VM afresh so the created instance carries them.
      if (String(job.cmd).endsWith('DeployVMCmd') && job.jobinstanceid) {
        const fresh = await ctx.vm(String(job.jobinstanceid)).catch(() => undefined);
        if (fresh) return { jobId, status: 'succeeded', ...resourceId, result: { type: 'instance', instance: toInstance(fresh) } };
      }
      return { jobId, status: 'succeeded', ...resourceId, result: await toResult(jobresult) };
    }
    const code = Number(jobresult?.errorcode ?? 530);
    const text = String(jobresult?.errortext ?? 'the job failed');
    if (ALREADY_RUNNING.test(text) && job.jobinstanceid)
      return {
        jobId,
        status: 'succeeded',
        ...resourceId,
        result: { type: 'instance', instance: toInstance(await ctx.vm(String(job.jobinstanceid))) },
      };
    const reason = reasonForCode(code, text);
    return {
      jobId,
      status: 'failed',
      ...resourceId,
      error: { reason, code: DRIVER_ERROR_CODES[reason], message: text, providerCode: code },
    };
  };
  ctx.getOperation = getOperation;

  return {
    getOperation,
    waitForOperation: async (operation, { timeoutMs } = {}) => {
      const first = typeof operation === 'string' ? await getOperation(operation) : operation;
      return pollOperation(first, getOperation, { timeoutMs, backoff: ctx.tuning.backoff });
    },
    volumeOwner,
  };
};

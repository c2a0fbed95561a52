/**
 * The CloudStack driver against the fake CloudStack server: the shared driver contract, then what only an HTTP
 * provider has: signatures and credentials, POST for large requests, paging cost, job polling with backoff and a
 * deadline, each CloudStack error code, and changes made behind the platform's back.
 */
import { randomUUID } from 'node:crypto';
import { isDomainError } from '@switchboard/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudStackClient, formatExpires } from '../../plugins/dpaas/src/cloudstack/cloudstack-client.js';
import { createCloudStackDriver } from '../../plugins/dpaas/src/cloudstack/cloudstack-driver.js';
import { encodeValue, signRequest } from '../../plugins/dpaas/src/cloudstack/sign.js';
import type { ComputeDriver } from '../../plugins/dpaas/src/driver/compute-driver.js';
import { driverErrorReason } from '../../plugins/dpaas/src/driver/driver-error.js';
import { FAKE_CATALOGUE, type FakeCloudStack, startFakeCloudStack } from '../fakes/cloudstack/index.js';
import { driverContract } from './driver-contract.js';

const FAST = { initialMs: 10, maxMs: 100, factor: 1.5 };

const driverFor = (cs: FakeCloudStack, extra: Partial<Parameters<typeof createCloudStackDriver>[0]> = {}) =>
  createCloudStackDriver({ endpoint: cs.endpoint, apiKey: cs.apiKey, secretKey: cs.secretKey, backoff: FAST, ...extra });

const caught = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isDomainError(e)) throw new Error(`expected a driver error, got ${e === undefined ? 'success' : String(e)}`);
  return e;
};

driverContract('cloudstack (fake server)', async () => {
  const cs = await startFakeCloudStack({ jobDelayMs: 20 });
  return {
    driver: driverFor(cs),
    hooks: {
      failZone: (zoneId) => cs.failDeploysIn(zoneId),
      clearFailures: () => cs.clearFailures(),
      setInstanceLimit: (limit) => cs.setVmLimit(limit),
      lastCreateMethod: () => cs.requests.filter((r) => r.command === 'deployVirtualMachine').at(-1)?.method,
    },
    close: () => cs.close(),
  };
});

describe('cloudstack driver over HTTP', () => {
  let cs: FakeCloudStack;
  let driver: ComputeDriver;
  const deploy = async (extra: Record<string, unknown> = {}) => {
    const op = await driver.createInstance({
      name: `vm-${randomUUID().slice(0, 8)}`,
      zoneId: FAKE_CATALOGUE.zoneId,
      offeringId: FAKE_CATALOGUE.smallOfferingId,
      templateId: FAKE_CATALOGUE.templateId,
      ...extra,
    });
    await driver.waitForOperation(op);
    return op.resourceId as string;
  };

  beforeAll(async () => {
    cs = await startFakeCloudStack({ jobDelayMs: 20 });
    driver = driverFor(cs);
  });
  afterAll(() => cs.close());

  it('signs every request with signatureVersion 3 so the server accepts it', async () => {
    cs.resetCalls();
    await driver.listZones();
    await deploy();
    expect(cs.requests.length).toBeGreaterThan(2);
    expect(cs.requests.filter((r) => r.status === 401)).toEqual([]);
  });

  it('reports refused credentials as the platform misconfiguration they are, without the secret anywhere', async () => {
    const secret = `wrong-${randomUUID()}`;
    const wrong = createCloudStackDriver({ endpoint: cs.endpoint, apiKey: cs.apiKey, secretKey: secret, backoff: FAST });
    cs.resetCalls();
    const e = await caught(wrong.listZones());
    expect(cs.requests.at(-1)).toMatchObject({ command: 'listZones', status: 401 });
    expect({ kind: e.kind, code: e.code, reason: driverErrorReason(e) }).toEqual({
      kind: 'upstream',
      code: 'PROVIDER_AUTH_FAILED',
      reason: 'auth',
    });
    const everything = [e.message, e.stack, JSON.stringify(e), JSON.stringify(e.details), String(e.cause), (e.cause as Error)?.stack].join(
      '\n',
    );
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(cs.secretKey);
    const inspected = await import('node:util').then((u) => u.inspect(wrong, { depth: 10, showHidden: true }));
    expect(inspected).not.toContain(secret);
  });

  it('the server refuses an expired v3 signature, a v3 request without expires, and a tampered one', async () => {
    const send = async (params: Record<string, string>, tamper = false) => {
      const signature = signRequest(params, cs.secretKey);
      const q = Object.entries({ ...params, ...(tamper ? { listall: 'true' } : {}) })
        .map(([k, v]) => `${k}=${encodeValue(v)}`)
        .join('&');
      return fetch(`${cs.endpoint}?${q}&signature=${encodeURIComponent(signature)}`);
    };
    const base = { apiKey: cs.apiKey, command: 'listZones', response: 'json', signatureVersion: '3' };
    const ok = await send({ ...base, expires: formatExpires(Date.now() + 60_000) });
    expect(ok.status).toBe(200);
    const expired = await send({ ...base, expires: formatExpires(Date.now() - 1000) });
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({
      listzonesresponse: { uuidList: [], errorcode: 401, errortext: 'unable to verify user credentials and/or request signature' },
    });
    expect((await send(base)).status).toBe(401);
    expect((await send({ ...base, expires: formatExpires(Date.now() + 60_000) }, true)).status).toBe(401);
  });

  it('sends large requests as a POST form and small ones as GET; the server refuses over-long GETs', async () => {
    cs.resetCalls();
    await deploy({ userData: 'y'.repeat(20_000) });
    await deploy({ userData: 'small' });
    const deploys = cs.requests.filter((r) => r.command === 'deployVirtualMachine');
    expect(deploys.map((r) => r.method)).toEqual(['POST', 'GET']);
    expect(deploys[0].size).toBeGreaterThan(26_000);

    const client = createCloudStackClient({ endpoint: cs.endpoint, apiKey: cs.apiKey, secretKey: cs.secretKey, postThreshold: 1e9 });
    const e = await caught(client.call('listZones', { keyword: 'z'.repeat(9000) }));
    expect(e.message).toContain('414');
  });

  it('walks pages of 500 for the caller: 1,200 instances in three listVirtualMachines calls', async () => {
    const prefix = `bulk${randomUUID().slice(0, 6)}`;
    const seeded = cs.seedVms(1200, { namePrefix: prefix });
    cs.resetCalls();
    const ids: string[] = [];
    for await (const vm of driver.iterateInstances({ search: prefix })) ids.push(vm.id);
    expect(ids.sort()).toEqual([...seeded].sort());
    expect(cs.callCount('listVirtualMachines')).toBe(3);
    expect((await driver.listInstances({ search: prefix }, { page: 3, pageSize: 500 })).items).toHaveLength(200);
    for (const id of seeded) cs.expungeVm(id);
  });

  it('polls a job with growing intervals until it ends, and gives up at the deadline', async () => {
    const slow = await startFakeCloudStack({ jobDelayMs: 400 });
    try {
      const d = createCloudStackDriver({
        endpoint: slow.endpoint,
        apiKey: slow.apiKey,
        secretKey: slow.secretKey,
        backoff: { initialMs: 20, maxMs: 1000, factor: 2 },
      });
      const op = await d.createInstance({
        name: 'slow',
        zoneId: FAKE_CATALOGUE.zoneId,
        offeringId: FAKE_CATALOGUE.smallOfferingId,
        templateId: FAKE_CATALOGUE.templateId,
      });
      slow.resetCalls();
      const started = Date.now();
      await d.waitForOperation(op);
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      // 20+40+80+160+320 ms covers 400 ms in 5 polls; fixed 20 ms polling would take 20.
      const polls = slow.callCount('queryAsyncJobResult');
      expect(polls).toBeGreaterThanOrEqual(3);
      expect(polls).toBeLessThanOrEqual(6);

      const stop = await d.stopInstance(op.resourceId as string);
      const e = await caught(d.waitForOperation(stop, { timeoutMs: 100 }));
      expect({ kind: e.kind, code: e.code, jobId: e.details?.jobId }).toEqual({
        kind: 'upstream-timeout',
        code: 'PROVIDER_TIMEOUT',
        jobId: stop.jobId,
      });
    } finally {
      await slow.close();
    }
  });

  it.each([
    [429, 'You have reached the API request limit', 'too-many-requests', 'rate-limit'],
    [431, 'Unable to execute API command listzones due to missing parameter foo', 'input', 'bad-parameter'],
    [432, 'The given command is not supported', 'input', 'unsupported'],
    [530, 'Internal error executing command', 'upstream', 'provider'],
    [530, 'VM is not in the right state to do this', 'conflict', 'invalid-state'],
    [531, 'Account platform does not have permission', 'not-allowed', 'not-permitted'],
    [532, 'Account resource limit exceeded', 'not-allowed', 'limit'],
    [533, 'Insufficient capacity', 'unavailable', 'capacity'],
    [534, 'Resource unavailable', 'unavailable', 'unavailable'],
    [535, "Maximum number of resources of type 'user_vm' has been exceeded.", 'not-allowed', 'limit'],
    [536, 'Resource in use', 'conflict', 'in-use'],
  ])('maps CloudStack error %i (%s) to %s / %s', async (code, text, kind, reason) => {
    cs.failNext('listZones', code, text);
    const e = await caught(driver.listZones());
    expect({ kind: e.kind, reason: driverErrorReason(e), providerCode: e.details?.providerCode }).toEqual({
      kind,
      reason,
      providerCode: code,
    });
  });

  it('turns a start job that failed because the VM was already running into a success', async () => {
    const id = await deploy();
    const client = createCloudStackClient({ endpoint: cs.endpoint, apiKey: cs.apiKey, secretKey: cs.secretKey });
    const { jobid } = await client.call('startVirtualMachine', { id });
    await new Promise((r) => setTimeout(r, 50));
    const raw = await client.call('queryAsyncJobResult', { jobid: String(jobid) });
    expect(raw).toMatchObject({ jobstatus: 2, jobresult: { errorcode: 431, errortext: expect.stringContaining('already running') } });
    expect(await driver.getOperation(String(jobid))).toMatchObject({
      status: 'succeeded',
      result: { type: 'instance', instance: { id, state: 'running' } },
    });
  });

  it('sees changes made behind its back: states set and VMs expunged out of band', async () => {
    const id = await deploy();
    for (const [cloudstack, neutral] of [
      ['Stopped', 'stopped'],
      ['Migrating', 'pending'],
      ['Shutdown', 'stopped'],
      ['Unknown', 'error'],
      ['Expunging', 'deleting'],
      ['Destroyed', 'deleted'],
    ]) {
      cs.setVmState(id, cloudstack);
      expect(await driver.getInstance(id)).toMatchObject({ state: neutral, providerState: cloudstack });
    }
    cs.setVmState(id, 'Starting');
    expect((await caught(driver.stopInstance(id))).code).toBe('INVALID_STATE');
    cs.expungeVm(id);
    expect((await caught(driver.getInstance(id))).kind).toBe('not-found');
  });

  it('counts calls per command: an action costs one read plus one call, an idempotent no-op only the read', async () => {
    const id = await deploy();
    cs.resetCalls();
    await driver.stopInstance(id, { force: true });
    expect(Object.fromEntries(cs.calls)).toEqual({ listVirtualMachines: 1, stopVirtualMachine: 1 });
    await new Promise((r) => setTimeout(r, 60));
    cs.resetCalls();
    expect((await driver.stopInstance(id)).status).toBe('succeeded');
    expect(Object.fromEntries(cs.calls)).toEqual({ listVirtualMachines: 1 });
  });

  it('reports an unreachable endpoint as unavailable', async () => {
    const gone = await startFakeCloudStack();
    const endpoint = gone.endpoint;
    await gone.close();
    const d = createCloudStackDriver({ endpoint, apiKey: 'a', secretKey: 'b' });
    const e = await caught(d.listZones());
    expect({ kind: e.kind, reason: driverErrorReason(e) }).toEqual({ kind: 'unavailable', reason: 'unavailable' });
  });
});

/**
 * @module A fake Apache CloudStack management server on loopback: `/client/api` with signature verification by the
 * server's rule (and `expires` for signatureVersion 3), the commands the dPaaS driver uses with CloudStack's
 * envelopes, async jobs and error codes, the VM state machine, and test hooks (out-of-band changes, seeding, failure
 * injection, per-command call counts).
 *
 * @example
 * const cs = await startFakeCloudStack({ jobDelayMs: 20 });
 * const driver = createCloudStackDriver({ endpoint: cs.endpoint, apiKey: cs.apiKey, secretKey: cs.secretKey });
 * ...
 * await cs.close();
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError } from './api-error.js';
import { catalogueCommands } from './commands/catalogue-commands.js';
import { jobCommands } from './commands/job-commands.js';
import { keyPairCommands } from './commands/key-pair-commands.js';
import { securityGroupCommands } from './commands/security-group-commands.js';
import { storageCommands } from './commands/storage-commands.js';
import { tagCommands } from './commands/tag-commands.js';
import { vmCommands } from './commands/vm-commands.js';
import { createJobs, type FakeContext, type Handler } from './fake-context.js';
import { addVm, createFakeState, FAKE_CATALOGUE, type FakeState, type Json, removeVm } from './fake-state.js';
import { Params } from './params.js';
import { verifyRequest } from './verify-signature.js';

export { FAKE_CATALOGUE } from './fake-state.js';

/** Request lines longer than Jetty's default header buffer are refused before CloudStack sees them. */
const MAX_REQUEST_LINE = 8192;
const MAX_BODY = 1024 * 1024;
const KEEP_REQUESTS = 10_000;

const COMMANDS: Record<string, Handler> = {
  ...vmCommands,
  ...catalogueCommands,
  ...storageCommands,
  ...securityGroupCommands,
  ...keyPairCommands,
  ...tagCommands,
  ...jobCommands,
};
/** Command names are case-insensitive on the server. */
const BY_LOWER = new Map(Object.entries(COMMANDS).map(([name, h]) => [name.toLowerCase(), { name, h }]));

export interface FakeCloudStackOptions {
  apiKey?: string;
  secretKey?: string;
  /** How long async jobs take (default 20 ms). A function for varying delays. */
  jobDelayMs?: number | (() => number);
}

export interface FakeRequest {
  command: string;
  method: string;
  /** Length of the query string or form body. */
  size: number;
  status: number;
}

export interface FakeCloudStack {
  /** The API URL to configure the driver with. */
  endpoint: string;
  apiKey: string;
  secretKey: string;
  state: FakeState;
  /** Requests per command name (as sent), authenticated or not. */
  calls: Map<string, number>;
  /** The most recent requests, oldest first. */
  requests: FakeRequest[];
  callCount(command?: string): number;
  resetCalls(): void;
  /** The next request for `command` answers this error directly. */
  failNext(command: string, code: number, text: string): void;
  /** The next request for `command` is carried out, but its answer comes `ms` late (a client's timeout fires first). */
  stallNext(command: string, ms: number): void;
  /** The account's VM limit (`user_vm`), null for none. */
  setVmLimit(limit: number | null): void;
  /** Deploys in this zone fail their job with 533 (insufficient capacity). */
  failDeploysIn(zoneId: string): void;
  clearFailures(): void;
  /** Out of band: a VM changes state without the platform asking. */
  setVmState(id: string, state: string): void;
  /** Out of band: a VM is expunged without the platform asking. */
  expungeVm(id: string): void;
  /** Adds `n` VMs directly (no jobs), e.g. 10,000 for the state-sync benchmark. */
  seedVms(n: number, options?: { state?: string; zoneId?: string; namePrefix?: string }): string[];
  close(): Promise<void>;
}

const envelope = (command: string, body: Json) => JSON.stringify({ [`${command.toLowerCase()}response`]: body });

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) reject(new Error('body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

/** Parameters as the servlet sees them: query and form merged, names as sent, the first value of each. */
const parseParams = (query: string, body: string) => {
  const params = new Map<string, string>();
  for (const source of [query, body]) for (const [k, v] of new URLSearchParams(source)) if (!params.has(k)) params.set(k, v);
  return params;
};

export const startFakeCloudStack = async (options: FakeCloudStackOptions = {}): Promise<FakeCloudStack> => {
  const apiKey = options.apiKey ?? randomBytes(32).toString('base64url');
  const secretKey = options.secretKey ?? randomBytes(32).toString('base64url');
  const delay = options.jobDelayMs ?? 20;
  const state = createFakeState();
  const timers = new Set<NodeJS.Timeout>();
  const { job, later } = createJobs(state, typeof delay === 'function' ? delay : () => delay, timers);
  const calls = new Map<string, number>();
  const requests: FakeRequest[] = [];
  const injected = new Map<string, ApiError>();
  const stalled = new Map<string, number>();

  const answer = async (res: ServerResponse, status: number, body: string, record: FakeRequest) => {
    record.status = status;
    const stall = stalled.get(record.command);
    if (stall !== undefined) {
      stalled.delete(record.command);
      await new Promise((resolve) => setTimeout(resolve, stall));
      // The client gave up meanwhile: what it asked for is done all the same.
      if (res.destroyed) return;
    }
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const [path, query = ''] = (req.url ?? '').split(/\?(.*)/s);
    if (path !== '/client/api') return void res.writeHead(404).end('Not Found');
    if ((req.url ?? '').length > MAX_REQUEST_LINE) return void res.writeHead(414).end('URI Too Long');
    const method = req.method === 'POST' ? 'POST' : 'GET';
    const body = method === 'POST' ? await readBody(req) : '';
    const raw = parseParams(query, body);
    const sent = [...raw.entries()].find(([k]) => k.toLowerCase() === 'command')?.[1] ?? '';
    const record: FakeRequest = { command: sent, method, size: method === 'POST' ? body.length : query.length, status: 0 };
    requests.push(record);
    if (requests.length > KEEP_REQUESTS) requests.shift();
    calls.set(sent, (calls.get(sent) ?? 0) + 1);
    const known = BY_LOWER.get(sent.toLowerCase());
    const name = known?.name ?? sent;

    const verdict = verifyRequest(raw, { apiKey, secretKey });
    if (!verdict.ok)
      return answer(
        res,
        401,
        envelope(name, { uuidList: [], errorcode: 401, errortext: 'unable to verify user credentials and/or request signature' }),
        record,
      );
    if (!known)
      return answer(
        res,
        432,
        envelope(name, {
          uuidList: [],
          errorcode: 432,
          cserrorcode: 9999,
          errortext: `The given command:${sent} does not exist or it is not available for user`,
        }),
        record,
      );
    const fail = injected.get(name);
    try {
      if (fail) {
        injected.delete(name);
        throw fail;
      }
      const ctx: FakeContext = { state, method, job, later };
      return answer(res, 200, envelope(name, known.h(new Params(name, raw), ctx)), record);
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(530, e instanceof Error ? e.message : String(e));
      return answer(
        res,
        err.code,
        envelope(name, { uuidList: [], errorcode: err.code, cserrorcode: err.csCode, errortext: err.text }),
        record,
      );
    }
  };

  // Large enough that our own 414 check, not Node's header limit, decides about long GETs.
  const server = createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => {
    handle(req, res).catch((e) => res.writeHead(500).end(String(e)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const defaultGroup = () => [...state.groups.values()].find((g) => g.name === 'default')?.id as string;

  return {
    endpoint: `http://127.0.0.1:${port}/client/api`,
    apiKey,
    secretKey,
    state,
    calls,
    requests,
    callCount: (command) => (command === undefined ? [...calls.values()].reduce((a, b) => a + b, 0) : (calls.get(command) ?? 0)),
    resetCalls: () => {
      calls.clear();
      requests.length = 0;
    },
    failNext: (command, code, text) => injected.set(command, new ApiError(code, text)),
    stallNext: (command, ms) => stalled.set(command, ms),
    setVmLimit: (limit) => {
      state.limits.user_vm = limit;
    },
    failDeploysIn: (zoneId) => state.failingZones.add(zoneId),
    clearFailures: () => {
      state.failingZones.clear();
      injected.clear();
      stalled.clear();
    },
    setVmState: (id, s) => {
      const vm = state.vms.get(id);
      if (!vm) throw new Error(`no VM ${id}`);
      vm.state = s;
    },
    expungeVm: (id) => removeVm(state, id),
    seedVms: (n, { state: vmState = 'Running', zoneId = FAKE_CATALOGUE.zoneId, namePrefix = 'seed' } = {}) => {
      const group = defaultGroup();
      return Array.from(
        { length: n },
        (_, i) =>
          addVm(state, {
            name: `${namePrefix}-${i + 1}`,
            zoneid: zoneId,
            serviceofferingid: FAKE_CATALOGUE.smallOfferingId,
            templateid: FAKE_CATALOGUE.templateId,
            securitygroupids: [group],
            state: vmState,
          }).id as string,
      );
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

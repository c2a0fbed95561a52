/**
 * @module The end-to-end story on a fleet, step by step, through the round-robin proxy: a developer signs up, gets a
 * key and subscribes to every asset; the operator makes plans, approves, and turns an asset off and on; push delivers
 * a send; a dPaaS instance lives its whole life; a partner call reaches its upstream; and the usage adds up across
 * replicas. Each step throws a StoryError naming the request, the answer and the replica when something is wrong.
 * `npm run fleet` and test/fleet/fleet.test.ts both run it.
 */
import { randomBytes } from 'node:crypto';
import { serviceAccountFor } from '../support/service-account.js';
import type { Fleet } from './fleet.js';
import { type Answer, type Body, expectStatus, explain, HttpClient, StoryError } from './http-client.js';

export interface StepResult {
  name: string;
  ms: number;
  /** Requests per replica that went through the proxy during the step. */
  served: Record<string, number>;
  detail: string;
}

export interface StoryResult {
  steps: StepResult[];
  totalMs: number;
  appId: string;
  key: string;
}

export interface StoryOptions {
  /** Called after each step. */
  onStep?: (step: StepResult) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const check = (ok: boolean, message: string) => {
  if (!ok) throw new StoryError(message);
};

/** Polls `attempt` until it returns a value; returns it and how long it took, or throws `fail()`'s message. */
const within = async <T>(budgetMs: number, attempt: () => Promise<T | null>, fail: () => string, everyMs = 25) => {
  const t = performance.now();
  for (;;) {
    const v = await attempt();
    if (v !== null) return { value: v, ms: Math.round(performance.now() - t) };
    if (performance.now() - t > budgetMs) throw new StoryError(fail());
    await sleep(everyMs);
  }
};

export const runStory = async (fleet: Fleet, { onStep }: StoryOptions = {}): Promise<StoryResult> => {
  const partnerBase = fleet.partner.basePath;
  const assetOf = (path: string) =>
    path.startsWith('/api/notes')
      ? 'notes'
      : path.startsWith('/api/push')
        ? 'push'
        : path.startsWith('/dpaas/v1')
          ? 'dpaas'
          : path.startsWith(partnerBase)
            ? fleet.partner.id
            : null;
  const http = new HttpClient(assetOf);
  const proxy = { url: fleet.proxyUrl };
  const replicaNames = fleet.replicas.map((r) => r.name);
  /** How long a change may take to reach every replica: the poll interval, plus a poll's own time and slack. */
  const spreadBudgetMs = fleet.accessPollMs * 2 + 1000;
  const steps: StepResult[] = [];
  const started = performance.now();

  const step = async (name: string, body: () => Promise<string>) => {
    const before = fleet.proxy.snapshot();
    const t = performance.now();
    let detail: string;
    try {
      detail = await body();
    } catch (e) {
      throw e instanceof StoryError ? new StoryError(`step "${name}": ${e.message}`) : e;
    }
    const after = fleet.proxy.snapshot();
    const served = Object.fromEntries(replicaNames.map((n) => [n, (after[n] ?? 0) - (before[n] ?? 0)]));
    const result = { name, ms: Math.round(performance.now() - t), served, detail };
    steps.push(result);
    onStep?.(result);
  };
  const servedBy = (answers: Answer[]) => [...new Set(answers.map((a) => a.replica))].sort();
  const allReplicas = (answers: Answer[], what: string) => {
    const seen = servedBy(answers);
    check(
      replicaNames.every((n) => seen.includes(n)),
      `${what}: expected every replica (${replicaNames.join(', ')}) to serve, only ${seen.join(', ')} did: ${answers.map(explain).join(' | ')}`,
    );
  };

  // --- The developer and the operator set things up -------------------------------------------------------------
  const email = `dev-${randomBytes(4).toString('hex')}@example.com`;
  const password = 'a fleet-long password';
  let session = '';
  await step('developer signs up and signs in', async () => {
    const up = expectStatus(
      await http.call(proxy, 'POST', '/developer/v1/signup', { json: { email, password, name: 'Fleet Developer' } }),
      201,
      'sign-up',
    );
    const inn = expectStatus(await http.call(proxy, 'POST', '/developer/v1/sessions', { json: { email, password } }), 201, 'sign-in');
    session = inn.body.token;
    const me = expectStatus(await http.call(proxy, 'GET', '/developer/v1/me', { token: session }), 200, 'the session on another replica');
    check(me.body.email === email, `GET /me answered ${me.text}`);
    const ms = (a: Answer) => `${Math.round(a.ms)} ms`;
    return `${email}: signed up on ${up.replica} (${ms(up)}), signed in on ${inn.replica} (${ms(inn)}), session read on ${me.replica} (${ms(me)})`;
  });

  let appId = '';
  let key = '';
  await step('developer creates an organization, an app and a key', async () => {
    const org = expectStatus(
      await http.call(proxy, 'POST', '/developer/v1/organizations', { token: session, json: { name: 'Fleet Inc', kind: 'business' } }),
      201,
      'create organization',
    );
    const app = expectStatus(
      await http.call(proxy, 'POST', '/developer/v1/apps', { token: session, json: { orgId: org.body.id, name: 'fleet-app' } }),
      201,
      'create app',
    );
    appId = app.body.id;
    const issued = expectStatus(
      await http.call(proxy, 'POST', `/developer/v1/apps/${appId}/keys`, { token: session, json: { name: 'fleet' } }),
      201,
      'issue key',
    );
    key = issued.body.key;
    return `org ${org.body.id} (${org.replica}), app ${appId} (${app.replica}), key ${issued.body.id} (${issued.replica})`;
  });

  const admin = (method: string, path: string, json?: unknown) =>
    http.call(proxy, method, `/admin/v1${path}`, { token: fleet.adminToken, json });
  const plans: Record<string, string> = {};
  const assets = ['notes', 'push', 'dpaas', fleet.partner.id];
  await step('operator creates a plan for every asset (the partner one needs approval)', async () => {
    const specs: Record<string, Body> = {
      notes: { perSecond: 50, perMinute: 1000 },
      push: { perMinute: 1000 },
      dpaas: { perMinute: 1000, limits: { instances: 2, vcpus: 4 } },
      [fleet.partner.id]: { perMinute: 1000, requiresApproval: true },
    };
    const made = [];
    for (const assetId of assets) {
      const a = expectStatus(
        await admin('POST', '/plans', { assetId, name: `fleet-${assetId}`, ...specs[assetId] }),
        201,
        `plan for ${assetId}`,
      );
      plans[assetId] = a.body.id;
      made.push(`${assetId}:${a.replica}`);
    }
    return `plans made on ${made.join(' ')}`;
  });

  const subscriptions: Record<string, string> = {};
  await step('developer subscribes the app to every asset', async () => {
    const offered = expectStatus(await http.call(proxy, 'GET', '/developer/v1/plans', { token: session }), 200, 'list plans');
    const out = [];
    for (const assetId of assets) {
      const plan = offered.body.items.find((p: Body) => p.id === plans[assetId]);
      check(plan !== undefined, `the developer is not offered the plan of ${assetId}: ${offered.text}`);
      const s = expectStatus(
        await http.call(proxy, 'POST', `/developer/v1/apps/${appId}/subscriptions`, { token: session, json: { planId: plan.id } }),
        201,
        `subscribe to ${assetId}`,
      );
      const want = plan.requiresApproval ? 'pending' : 'active';
      check(s.body.status === want, `subscription to ${assetId}: expected ${want}, got ${explain(s)}`);
      subscriptions[assetId] = s.body.id;
      out.push(`${assetId} ${s.body.status}`);
    }
    return out.join(', ');
  });

  const auth = { token: '' };
  const partnerPath = (item: string) => `${partnerBase}/items/${item}?q=7`;
  const partnerCall = (base: { url: string; name?: string }, item: string, headers: Record<string, string> = {}) =>
    http.call(base, 'PUT', partnerPath(item), { ...auth, json: { name: 'fleet' }, headers: { 'x-trace': `fleet-${item}`, ...headers } });

  await step('operator approves the pending partner subscription; every replica serves it', async () => {
    auth.token = key;
    const pending = await partnerCall(proxy, 'pending');
    check(pending.status === 403 && pending.body?.code === 'SUBSCRIPTION_PENDING', `before approval: ${explain(pending)}`);
    const approved = expectStatus(
      await admin('PUT', `/subscriptions/${subscriptions[fleet.partner.id]}/status`, { status: 'active' }),
      200,
      'approve',
    );
    const reached = await Promise.all(
      fleet.replicas.map((r) =>
        within(
          spreadBudgetMs,
          async () => {
            const a = await partnerCall(r, `approved-${r.name}`);
            return a.status === 207 ? a : null;
          },
          () => `${r.name} still refuses the approved subscription after ${spreadBudgetMs} ms`,
        ).then(({ ms }) => `${r.name} ${ms} ms`),
      ),
    );
    return `pending → 403 SUBSCRIPTION_PENDING (${pending.replica}); approved on ${approved.replica}; served by ${reached.join(', ')}`;
  });

  // --- Every asset through the proxy -----------------------------------------------------------------------------
  await step('calls every asset through the proxy; each replica serves each asset', async () => {
    const created = expectStatus(
      await http.call(proxy, 'POST', '/api/notes/notes', { ...auth, json: { title: 'from the fleet', tags: ['fleet'] } }),
      201,
      'create a note',
    );
    const out = [`notes.createNote ${created.replica}`];
    const rounds: Record<string, () => Promise<Answer>> = {
      'notes.getNote': () => http.call(proxy, 'GET', `/api/notes/notes/${created.body.id}`, auth),
      'push.getCredentials': () => http.call(proxy, 'GET', '/api/push/credentials', auth),
      'dpaas.listZones': () => http.call(proxy, 'GET', '/dpaas/v1/zones', auth),
      [`${fleet.partner.id}.putItem`]: () => partnerCall(proxy, 'round'),
    };
    for (const [op, call] of Object.entries(rounds)) {
      const answers: Answer[] = [];
      for (const _ of replicaNames) answers.push(await call());
      for (const a of answers) check(a.status >= 200 && a.status < 300, `${op}: ${explain(a)}`);
      allReplicas(answers, op);
      out.push(`${op} ${servedBy(answers).join('/')}`);
    }
    return out.join('; ');
  });

  // --- An asset off and on again ---------------------------------------------------------------------------------
  const probe = (r: { url: string; name: string }) => http.call(r, 'GET', '/api/push/credentials', auth);
  await step(`operator disables push: every replica answers 503 ASSET_DISABLED within ${spreadBudgetMs} ms`, async () => {
    const off = expectStatus(await admin('PUT', '/assets/push/state', { enabled: false }), 200, 'disable push');
    const times = await Promise.all(
      fleet.replicas.map((r) =>
        within(
          spreadBudgetMs,
          async () => {
            const a = await probe(r);
            return a.status === 503 && a.body?.code === 'ASSET_DISABLED' ? a : null;
          },
          () => `${r.name} still serves push ${spreadBudgetMs} ms after it was disabled`,
        ).then(({ value, ms }) => {
          check(value.headers.get('retry-after') === '30', `no Retry-After: 30 on ${explain(value)}`);
          return `${r.name} ${ms} ms`;
        }),
      ),
    );
    const viaProxy = [];
    for (const _ of replicaNames) viaProxy.push(await probe({ url: fleet.proxyUrl, name: 'proxy' }));
    for (const a of viaProxy) check(a.status === 503 && a.body?.code === 'ASSET_DISABLED', `through the proxy: ${explain(a)}`);
    allReplicas(viaProxy, 'disabled push through the proxy');
    return `disabled on ${off.replica}; refused directly by ${times.join(', ')}; and through the proxy by ${servedBy(viaProxy).join('/')}`;
  });

  await step('operator enables push again: every replica serves it', async () => {
    const on = expectStatus(await admin('PUT', '/assets/push/state', { enabled: true }), 200, 'enable push');
    const times = await Promise.all(
      fleet.replicas.map((r) =>
        within(
          spreadBudgetMs,
          async () => ((await probe(r)).status === 200 ? true : null),
          () => `${r.name} still refuses push ${spreadBudgetMs} ms after it was enabled`,
        ).then(({ ms }) => `${r.name} ${ms} ms`),
      ),
    );
    return `enabled on ${on.replica}; served directly by ${times.join(', ')}`;
  });

  // --- Push: credentials, devices, a send and its delivery report ------------------------------------------------
  await step('push: upload credentials, register devices, send, delivery report completed', async () => {
    const serviceAccount = serviceAccountFor('fleet-project');
    const up = expectStatus(
      await http.call(proxy, 'PUT', '/api/push/credentials/fcm', { ...auth, json: { serviceAccount } }),
      200,
      'upload FCM',
    );
    const read = expectStatus(await http.call(proxy, 'GET', '/api/push/credentials', auth), 200, 'read credentials');
    check(read.body.fcm?.projectId === 'fleet-project', `credentials uploaded on ${up.replica} not seen on ${read.replica}: ${read.text}`);
    const devices = [
      { platform: 'android', token: 'fleet-pixel-1' },
      { platform: 'android', token: 'fleet-pixel-2' },
      { platform: 'ios', token: 'f'.repeat(64) },
      { platform: 'android', token: 'fleet-old-phone-unregistered' },
    ];
    for (const d of devices) {
      expectStatus(
        await http.call(proxy, 'POST', '/api/push/devices', { ...auth, json: { ...d, userId: 'alice', tags: ['fleet'] } }),
        201,
        'register',
      );
    }
    const sent = expectStatus(
      await http.call(proxy, 'POST', '/api/push/sends', {
        ...auth,
        headers: { 'idempotency-key': `fleet-${randomBytes(4).toString('hex')}` },
        json: { target: { userId: 'alice' }, notification: { title: 'Hello fleet', body: 'from three replicas' } },
      }),
      202,
      'send',
    );
    check(sent.body.recipients === devices.length, `the send should have ${devices.length} recipients: ${explain(sent)}`);
    const polls: Answer[] = [];
    const { value: report, ms } = await within(
      15_000,
      async () => {
        const a = expectStatus(await http.call(proxy, 'GET', `/api/push/sends/${sent.body.id}`, auth), 200, 'delivery report');
        polls.push(a);
        return ['completed', 'failed', 'cancelled'].includes(a.body.status) ? a : null;
      },
      () => `send ${sent.body.id} not settled after 15 s: ${polls.length ? explain(polls[polls.length - 1]) : ''}`,
      100,
    );
    const t = report.body.totals;
    check(
      report.body.status === 'completed' && t.delivered === 3 && t.unregistered === 1 && t.queued === 0 && t.failed === 0,
      `expected completed with 3 delivered and 1 unregistered: ${explain(report)}`,
    );
    return `sent on ${sent.replica}; completed after ${ms} ms and ${polls.length} polls (${servedBy(polls).join('/')}): delivered ${t.delivered}, unregistered ${t.unregistered}`;
  });

  // --- dPaaS: one instance's life, every call round-robined ------------------------------------------------------
  await step(`dPaaS: create an instance, stop, start, delete (${fleet.dpaasDriver}), each call round-robined`, async () => {
    const out: string[] = [];
    const waitOp = async (what: string, accepted: Answer) => {
      expectStatus(accepted, 202, what);
      const polls: Answer[] = [];
      const { value, ms } = await within(
        10_000,
        async () => {
          const a = expectStatus(await http.call(proxy, 'GET', `/dpaas/v1/operations/${accepted.body.id}`, auth), 200, `${what}: poll`);
          polls.push(a);
          return a.body.status === 'pending' ? null : a;
        },
        () => `${what}: operation ${accepted.body.id} still pending after 10 s`,
        50,
      );
      check(value.body.status === 'succeeded', `${what}: operation started on ${accepted.replica} ended as ${explain(value)}`);
      out.push(`${what} ${accepted.replica}→${servedBy(polls).join('/')} ${ms} ms`);
      return value.body;
    };
    const state = async (id: string) =>
      expectStatus(await http.call(proxy, 'GET', `/dpaas/v1/instances/${id}`, auth), 200, 'read instance');
    const c = fleet.catalogue;
    const create = await http.call(proxy, 'POST', '/dpaas/v1/instances', {
      ...auth,
      headers: { 'idempotency-key': randomBytes(8).toString('hex') },
      json: { name: 'fleet-vm', zoneId: c.zoneId, offeringId: c.offeringId, templateId: c.templateId },
    });
    const created = await waitOp('create', create);
    const id = created.resource.id as string;
    const expectState = async (want: string) => {
      const a = await state(id);
      check(a.body.state === want, `instance ${id}: expected ${want}, got ${explain(a)}`);
    };
    await expectState('running');
    await waitOp('stop', await http.call(proxy, 'POST', `/dpaas/v1/instances/${id}/stop`, auth));
    await expectState('stopped');
    await waitOp('start', await http.call(proxy, 'POST', `/dpaas/v1/instances/${id}/start`, auth));
    await expectState('running');
    await waitOp('delete', await http.call(proxy, 'DELETE', `/dpaas/v1/instances/${id}?expunge=true`, auth));
    // The expunge job is done; the provider then forgets the VM, which a read notices (docs/assets/dpaas.md, States).
    const reads: Answer[] = [];
    const { ms } = await within(
      5000,
      async () => {
        const a = await state(id);
        reads.push(a);
        check(['deleting', 'deleted'].includes(a.body.state), `instance ${id} after delete: ${explain(a)}`);
        return a.body.state === 'deleted' && a.body.removedAt ? a : null;
      },
      () => `instance ${id} not removed 5 s after its expunge succeeded: ${explain(reads[reads.length - 1])}`,
      100,
    );
    const atProvider = [...fleet.cloudstack.state.vms.values()].filter((vm) => fleet.dpaasDriver === 'cloudstack' && vm.name === id);
    check(atProvider.length === 0, `the VM is still at the provider: ${JSON.stringify(atProvider)}`);
    return `${id}: ${out.join('; ')}; removed ${ms} ms later (read on ${servedBy(reads).join('/')})`;
  });

  // --- The partner asset -----------------------------------------------------------------------------------------
  await step('partner call through the proxy reaches the echo upstream without the caller’s key', async () => {
    const checks: string[] = [];
    for (const [how, headers, token] of [
      ['Authorization', {}, key],
      ['X-API-Key', { 'x-api-key': key }, ''],
    ] as const) {
      auth.token = token;
      const a = await partnerCall(proxy, `direct-${how}`, headers);
      auth.token = key;
      expectStatus(a, 207, `partner call with ${how}`);
      const got = fleet.partner.upstream.last();
      check(got.method === 'PUT' && got.url === `/v1/items/direct-${how}?q=7`, `upstream got ${got.method} ${got.url}`);
      check(got.headers['x-partner-key'] === fleet.partner.key, 'the upstream did not get the partner key');
      check(
        got.headers.authorization === undefined && got.headers['x-api-key'] === undefined,
        `the caller's key reached the upstream (${how})`,
      );
      check(!JSON.stringify(got.headers).includes(key), `the caller's key appears in the upstream's headers (${how})`);
      check(
        got.headers['x-trace'] === `fleet-direct-${how}` && JSON.parse(got.body.toString()).name === 'fleet',
        'the request was altered',
      );
      check(a.headers.get('x-upstream') === 'echo', `the upstream's headers did not come back: ${explain(a)}`);
      checks.push(`${how} ${a.replica}`);
    }
    return `207 from the upstream, partner key injected, caller key not forwarded (${checks.join(', ')})`;
  });

  // --- Usage adds up across replicas -----------------------------------------------------------------------------
  await step('usage of the app (developer API) counts every call, summed across replicas', async () => {
    const expected = Object.fromEntries(assets.map((a) => [a, http.metered.get(a) ?? 0]));
    const read = async () => {
      const a = expectStatus(await http.call(proxy, 'GET', `/developer/v1/apps/${appId}/usage`, { token: session }), 200, 'usage');
      const sums: Record<string, number> = Object.fromEntries(assets.map((x) => [x, 0]));
      for (const row of a.body.items as Body[]) sums[row.assetId] = (sums[row.assetId] ?? 0) + row.count;
      return sums;
    };
    let last: Record<string, number> = {};
    // Each replica adds its counts to the table once per second: allow two flushes and a little.
    const { ms } = await within(
      3000,
      async () => {
        last = await read();
        return assets.every((a) => last[a] === expected[a]) ? last : null;
      },
      () => `usage ${JSON.stringify(last)} never matched the calls made ${JSON.stringify(expected)}`,
      200,
    );
    // A flush later nothing more is counted.
    await sleep(1200);
    const settled = await read();
    check(
      assets.every((a) => settled[a] === expected[a]),
      `usage moved to ${JSON.stringify(settled)} after it had matched ${JSON.stringify(expected)}`,
    );
    return `${assets.map((a) => `${a} ${settled[a]}`).join(', ')} = the calls made (matched after ${ms} ms)`;
  });

  return { steps, totalMs: Math.round(performance.now() - started), appId, key };
};

/** One step as the script and the test print it: time, replicas that served through the proxy, and what happened. */
export const formatStep = (s: StepResult, index: number): string => {
  const served = Object.entries(s.served)
    .map(([name, n]) => `${name}×${n}`)
    .join(' ');
  return `${String(index + 1).padStart(2)}. ${s.name}  [${s.ms} ms; proxy → ${served}]\n      ${s.detail}`;
};

/** Error-level log lines (pino level 50) of each replica that carry the problem code `code`. */
export const errorLogLines = (fleet: Fleet, code: string): Record<string, number> =>
  Object.fromEntries(
    fleet.replicas.map((r) => [
      r.name,
      r.process
        .output()
        .split('\n')
        .filter((l) => l.includes('"level":50') && l.includes(`"code":"${code}"`)).length,
    ]),
  );

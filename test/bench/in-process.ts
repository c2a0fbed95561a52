/**
 * @module `npm run bench:in-process`: Switchboard's per-request overhead without the network. The bench asset's
 * public GET and POST, and the GET behind the access gate with a key, through `platform.app.fetch()` against a bare Hono app with the same handler, 100 000 calls
 * per run, alternated 6 times; prints the minimum of each side and the difference (the least noisy estimate of
 * what the core adds on a shared machine).
 */
import { Hono } from 'hono';
import { loadConfig } from '../../core/src/config/load-config.js';
import { createPlatform } from '../../core/src/platform/create-platform.js';

const platform = await createPlatform(
  loadConfig({
    ...process.env,
    NODE_ENV: 'production',
    ACCESS_LOG: 'off',
    LOG_LEVEL: 'warn',
    DATABASE_URL: 'sqlite::memory:',
    SWITCHBOARD_CONFIG: '',
    SWITCHBOARD_PLUGINS: new URL('./plugin/plugin.ts', import.meta.url).pathname,
    SWITCHBOARD_ADMIN_TOKEN: 'sba_in_process_bench_token_0123456789',
  }),
);
// The gated operation needs an app subscribed to a plan without a practical limit, and its key.
const access = platform.access;
if (!access) throw new Error('the access layer is off');
const actor = { type: 'system' as const, id: 'bench' };
const org = await access.service.createOrganization(actor, { name: 'bench', kind: 'business' });
const benchApp = await access.service.createApp(actor, { orgId: org.id, name: 'bench' });
const plan = await access.service.createPlan(actor, { assetId: 'bench', name: 'bench', perSecond: 10_000_000, perMinute: 600_000_000 });
await access.service.subscribe(actor, { appId: benchApp.id, planId: plan.id });
const { key } = await access.service.issueKey(actor, { appId: benchApp.id, name: 'bench' });

const bare = new Hono();
bare.get('/api/bench/items/:id', async (c) => {
  const id = Number(c.req.param('id'));
  return c.json({ id, name: c.req.query('verbose') === 'true' ? `item ${id} (verbose)` : `item ${id}` });
});
bare.get('/api/bench/keyed/items/:id', async (c) => {
  const id = Number(c.req.param('id'));
  return c.json({ id, name: c.req.query('verbose') === 'true' ? `item ${id} (verbose)` : `item ${id}` });
});
bare.post('/api/bench/items', async (c) => {
  const body = await c.req.json<{ name: string }>();
  return c.json({ id: 1, name: body.name }, 201);
});

const N = 100_000;
const measure = async (app: { fetch: (r: Request) => Response | Promise<Response> }, make: () => Request): Promise<number> => {
  const started = performance.now();
  for (let i = 0; i < N; i++) await (await app.fetch(make())).text();
  return ((performance.now() - started) * 1000) / N;
};

const requests = {
  GET: () => new Request('http://x/api/bench/items/42?verbose=true'),
  'GET keyed': () => new Request('http://x/api/bench/keyed/items/42?verbose=true', { headers: { 'x-api-key': key } }),
  POST: () =>
    new Request('http://x/api/bench/items', {
      method: 'POST',
      body: '{"name":"widget","qty":3}',
      // As a real client sends it: without Content-Length the body limit must count a stream (the slow, rare path).
      headers: { 'content-type': 'application/json', 'content-length': '25' },
    }),
};
const result: Record<string, { bareUs: number; switchboardUs: number; addedUs: number }> = {};
for (const [name, make] of Object.entries(requests)) {
  const probe = await platform.app.fetch(make());
  if (probe.status !== 200 && probe.status !== 201) throw new Error(`${name} answered ${probe.status}: ${await probe.text()}`);
  const b: number[] = [];
  const s: number[] = [];
  await measure(bare, make);
  await measure(platform.app, make); // warm-up
  for (let k = 0; k < 6; k++) {
    b.push(await measure(bare, make));
    s.push(await measure(platform.app, make));
  }
  const bareUs = Math.min(...b);
  const switchboardUs = Math.min(...s);
  result[name] = { bareUs: +bareUs.toFixed(2), switchboardUs: +switchboardUs.toFixed(2), addedUs: +(switchboardUs - bareUs).toFixed(2) };
  process.stdout.write(
    `${name}: bare ${bareUs.toFixed(2)} µs, switchboard ${switchboardUs.toFixed(2)} µs, added ${(switchboardUs - bareUs).toFixed(2)} µs per request\n`,
  );
}
process.stdout.write(`${JSON.stringify(result)}\n`);
await platform.close();
process.exit(0);

/**
 * The typed client: an app's download from the portal holds the types of the assets it is subscribed to (and no
 * others), a consumer program written against them compiles — and one that misuses them does not — and the program
 * runs against a live core with the app's key. The command-line form types what a running core serves.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '../../core/src/access/access-service.js';
import { startTestPlatform, type TestPlatform } from '../../core/src/testing/index.js';
import { clientCommand } from '../../core/src/web/client/client-command.js';
import { FormClient } from './form-client.js';

const run = promisify(execFile);
/** Outside the repository, like a consumer's project (and out of reach of the repository's lint). */
const DIR = mkdtempSync(join(tmpdir(), 'sb-client-'));
const TYPE_ROOTS = join(process.cwd(), 'node_modules', '@types');

let platform: TestPlatform;
let server: ServerType;
let base: string;

beforeAll(async () => {
  platform = await startTestPlatform({ plugins: ['./test/fixtures/plugins/hello', './docs/examples/notes'] });
  expect(platform.loadErrors).toEqual([]);
  await platform.access?.service.createPlan(SYSTEM, { assetId: 'hello', name: 'starter' });
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: platform.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await platform?.close();
  rmSync(DIR, { recursive: true, force: true });
});

/** Type-checks one file with the repository's TypeScript, strict, as a consumer's project would. */
const typecheck = (file: string) =>
  run(process.execPath, [
    'node_modules/typescript/bin/tsc',
    '--noEmit',
    '--strict',
    '--target',
    'es2023',
    '--module',
    'nodenext',
    '--moduleResolution',
    'nodenext',
    '--skipLibCheck',
    '--typeRoots',
    TYPE_ROOTS,
    '--types',
    'node',
    file,
  ]).then(
    () => ({ ok: true, output: '' }),
    (e: { stdout: string }) => ({ ok: false, output: e.stdout }),
  );

describe('the typed client download', () => {
  it('types the subscribed assets, compiles a consumer, refuses a wrong one, and runs against the core', async () => {
    const client = new FormClient(platform.app);
    const signup = await client.page('/portal/signup');
    await client.post('/portal/signup', {
      _csrf: signup.csrf,
      name: 'Typed',
      email: 'typed@example.com',
      password: 'long enough password',
    });
    const home = await client.page('/portal');
    const orgId = /name="orgId"[^>]*>\s*<option value="(org_[^"]+)"/.exec(home.html)?.[1] as string;
    const appPath = (await client.post('/portal/apps', { _csrf: home.csrf, orgId, name: 'typed app' })).headers.get('location') as string;
    const planId = /<option value="(pln_[^"]+)">Hello — starter/.exec((await client.page(appPath)).html)?.[1] as string;
    await client.post(`${appPath}/subscriptions`, { _csrf: home.csrf, planId });
    const issued = await (await client.post(`${appPath}/keys`, { _csrf: home.csrf, name: 'typed' })).text();
    const key = /value="(sbk_[^"]+)"/.exec(issued)?.[1] as string;

    const res = await client.get(`${appPath}/client.ts`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="switchboard-typed-app.ts"');
    const types = await res.text();
    expect(types).toContain('"/hello-api/greet/{name}"');
    // Only what the app may call: notes is loaded but not subscribed, and the platform's own APIs are not assets.
    expect(types).not.toContain('/api/notes');
    expect(types).not.toContain('/admin/v1');

    writeFileSync(join(DIR, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(join(DIR, 'switchboard.ts'), types);
    const program = (use: string) => `import type { paths } from './switchboard.js';
type Greeting = paths['/hello-api/greet/{name}']['get']['responses'][200]['content']['application/json'];
const res = await fetch(\`\${process.env.BASE}/hello-api/greet/typed\`, { headers: { authorization: \`Bearer \${process.env.KEY}\` } });
const body = (await res.json()) as Greeting;
${use}
export {};
`;
    writeFileSync(join(DIR, 'consumer.ts'), program('const text: string = body.text;\nconsole.log(res.status, text);'));
    writeFileSync(join(DIR, 'wrong-consumer.ts'), program('const n: number = body.text;\nconsole.log(n, body.nope);'));

    const good = await typecheck(join(DIR, 'consumer.ts'));
    expect(good.output).toBe('');
    expect(good.ok).toBe(true);
    const wrong = await typecheck(join(DIR, 'wrong-consumer.ts'));
    expect(wrong.ok).toBe(false);
    expect(wrong.output).toContain("Type 'string' is not assignable to type 'number'");
    expect(wrong.output).toContain("Property 'nope' does not exist");

    const { stdout } = await run(process.execPath, ['--import', 'tsx', join(DIR, 'consumer.ts')], {
      env: { ...process.env, BASE: base, KEY: key },
    });
    expect(stdout.trim()).toBe('200 Hello, typed');
  }, 60_000);
});

describe('the client command', () => {
  it('types every asset a running core serves, or the ones asked for, and never the platform’s own APIs', async () => {
    const all = await clientCommand({ out: join(DIR, 'all'), url: base });
    expect(all.assets.sort()).toEqual(['hello', 'notes']);
    const text = readFileSync(all.file, 'utf8');
    expect(text).toContain('"/hello-api/greet/{name}"');
    expect(text).toContain('"/api/notes/notes"');
    expect(text).not.toContain('/admin/v1');
    expect(text).not.toContain('/developer/v1');
    const one = await clientCommand({ out: join(DIR, 'one'), url: base, assets: ['notes'] });
    expect(readFileSync(one.file, 'utf8')).not.toContain('/hello-api/');
    await expect(clientCommand({ out: join(DIR, 'x'), url: base, assets: ['nope'] })).rejects.toThrow('no asset nope');
    await expect(clientCommand({ out: join(DIR, 'x'), url: 'http://127.0.0.1:1' })).rejects.toThrow('start the core');
  });
});

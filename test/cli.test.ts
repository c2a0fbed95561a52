/** The command line and the Node guard, run as an operator runs them: as child processes. */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { serve } from '@hono/node-server';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestPlatform } from '../core/src/testing/index.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'sb-cli-'));
const env = { ...process.env, DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`, SWITCHBOARD_CONFIG: join(root, 'switchboard.config.yaml') };
const cli = (...args: string[]) => run(process.execPath, [join(root, 'core/bin/switchboard.mjs'), ...args], { cwd: root, env });

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npx switchboard client', () => {
  it('writes the types of the assets a running core serves, for openapi-fetch', async () => {
    const platform = await startTestPlatform({ plugins: ['./docs/examples/notes', './test/fixtures/plugins/hello'] });
    const server = await new Promise<ReturnType<typeof serve>>((ready) => {
      const s = serve({ fetch: platform.app.fetch, port: 0, hostname: '127.0.0.1' }, () => ready(s));
    });
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const outDir = join(dir, 'client');
      const done = await cli('client', '--out', outDir, '--url', url, '--asset', 'notes');
      expect(done.stdout).toContain('switchboard.ts (notes)');
      const text = readFileSync(join(outDir, 'switchboard.ts'), 'utf8');
      expect(text).toContain('"/api/notes/notes"');
      expect(text).not.toContain('/hello-api/');
      expect(text).not.toContain('/admin/v1/');
      const unknown = await cli('client', '--out', outDir, '--url', url, '--asset', 'nope').catch((e) => e);
      expect(unknown.code).toBe(1);
      expect(`${unknown.stderr}${unknown.stdout}`).toContain('no asset nope');
    } finally {
      await new Promise((r) => server.close(r));
      await platform.close();
    }
  });
});

describe('npx switchboard', () => {
  it('migrate applies pending migrations once, and --status tells which ran', async () => {
    expect((await cli('migrate', '--status')).stdout).toContain('pending  notes/001-create-note-table');
    const first = await cli('migrate');
    // Core migrations run first, then each plugin's in the configured order (notes is the first plugin).
    expect(first.stdout).toMatch(/\[\d+\/(\d+)\] notes\/001-create-note-table/);
    const total = Number(/applying (\d+) migration/.exec(first.stdout)?.[1]);
    expect(first.stdout).toContain(`[${total}/${total}]`);
    expect(first.stdout.indexOf('core/002-access-tables')).toBeLessThan(first.stdout.indexOf('notes/001-create-note-table'));
    expect(first.stdout).toContain('core/002-access-tables');
    expect(existsSync(join(dir, 'db.sqlite'))).toBe(true);
    expect((await cli('migrate')).stdout).toContain('nothing to migrate');
    expect((await cli('migrate', '--status')).stdout).toContain('applied  notes/001-create-note-table');
  });

  it('check reports a plugin that cannot load with its code and exits 1', async () => {
    const failed = await cli('check', './test/fixtures/plugins/hello', './no/such/plugin').then(
      () => null,
      (e: { code: number; stdout: string }) => e,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stdout).toContain('ok    hello (9 operations)');
    expect(failed?.stdout).toContain('FAIL  PLUGIN_NOT_FOUND');
  });

  it('check also reads the partner documents of PARTNERS_DIR, and names a bad one with its pointer', async () => {
    const partners = mkdtempSync(join(dir, 'partners-'));
    const doc = (id: string, baseUrl: string) => ({
      openapi: '3.0.3',
      info: { title: id, version: '1' },
      'x-switchboard': { id, upstream: { baseUrl } },
      paths: { '/ping': { get: { operationId: 'ping', responses: { '200': { description: 'ok' } } } } },
    });
    writeFileSync(join(partners, 'good.json'), JSON.stringify(doc('good-partner', 'https://api.example.com')));
    writeFileSync(join(partners, 'bad.json'), JSON.stringify(doc('bad-partner', 'ftp://files.example.com')));
    const failed = await run(process.execPath, [join(root, 'core/bin/switchboard.mjs'), 'check'], {
      cwd: root,
      env: { ...env, PARTNERS_DIR: partners },
    }).then(
      () => null,
      (e: { code: number; stdout: string }) => e,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stdout).toContain('ok    notes');
    expect(failed?.stdout).toMatch(/ok {4}good-partner \(1 operations\)/);
    expect(failed?.stdout).toContain(`FAIL  XSB_INVALID ${join(partners, 'bad.json')}#/x-switchboard/upstream/baseUrl`);
  });

  it('an unknown command prints the help and exits 1', async () => {
    const failed = await cli('frobnicate').catch((e: { code: number; stdout: string }) => e);
    expect((failed as { code: number }).code).toBe(1);
    expect((failed as { stdout: string }).stdout).toContain('Usage: npx switchboard <command>');
  });
});

describe('npx switchboard access commands', () => {
  it('sets up an organization, app, key, plan and subscription, toggles an asset, and shows it all in the audit log', async () => {
    await cli('migrate');
    const org = JSON.parse((await cli('orgs', 'create', '--name', 'Acme', '--kind', 'business')).stdout);
    expect(org.id).toMatch(/^org_/);
    const app = JSON.parse((await cli('apps', 'create', '--org', org.id, '--name', 'web')).stdout);
    const keyOut = (await cli('keys', 'issue', '--app', app.id, '--name', 'ci', '--scopes', 'notes:read')).stdout;
    expect(keyOut).toContain('not shown again');
    const key = JSON.parse(keyOut.slice(0, keyOut.lastIndexOf('}') + 1));
    expect(key.key).toMatch(/^sbk_/);
    expect(key.scopes).toEqual(['notes:read']);
    const plan = JSON.parse((await cli('plans', 'create', '--asset', 'notes', '--name', 'free', '--per-minute', '60')).stdout);
    expect(plan.perMinute).toBe(60);
    const sub = JSON.parse((await cli('subscribe', '--app', app.id, '--plan', plan.id)).stdout);
    expect(sub.status).toBe('active');
    expect(JSON.parse((await cli('assets', 'disable', 'notes')).stdout)).toEqual({ assetId: 'notes', appId: null, enabled: false });
    const audit = (await cli('audit', '--limit', '10')).stdout;
    for (const action of ['organization.create', 'app.create', 'key.issue', 'plan.create', 'subscription.create', 'asset.disable'])
      expect(audit).toContain(action);
    expect(audit).toContain('system:cli');
    expect(audit).not.toContain(key.key);
  });

  it('explains its usage when arguments are missing, and rejects an unknown asset', async () => {
    const bad = await cli('plans', 'create', '--asset', 'notes').catch((e: { code: number; stderr: string }) => e);
    expect((bad as { code: number }).code).toBe(1);
    expect((bad as { stderr: string }).stderr).toContain('usage: npx switchboard plans create');
    const limited = JSON.parse(
      (await cli('plans', 'create', '--asset', 'notes', '--name', 'limited', '--limit', 'notesPerApp=3', '--limit', 'tags=0')).stdout,
    );
    expect(limited.limits).toEqual({ notesPerApp: 3, tags: 0 });
    const badLimit = await cli('plans', 'create', '--asset', 'notes', '--name', 'x', '--limit', 'bad name=1').catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((badLimit as { code: number }).code).toBe(1);
    expect((badLimit as { stderr: string }).stderr).toContain('--limit must be NAME=N');
    const zero = await cli('plans', 'create', '--asset', 'notes', '--name', 'z', '--per-minute', '0').catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((zero as { stderr: string }).stderr).toContain("--per-minute must be a whole number of at least 1, got '0'");
    const unknown = await cli('assets', 'disable', 'nope').catch((e: { code: number; stderr: string }) => e);
    expect((unknown as { stderr: string }).stderr).toContain("asset 'nope' not found");
  });
});

describe('the Node version guard', () => {
  it('passes on the pinned Node', async () => {
    await expect(run(process.execPath, [join(root, 'scripts/check-node.mjs')])).resolves.toBeDefined();
  });

  // The machine's own Node (20) is what runs when npm is bypassed; the guard must explain itself there.
  const systemNode = ['/usr/local/bin/node', '/usr/bin/node'].find((p) => existsSync(p) && p !== process.execPath);
  it.runIf(systemNode)('explains itself on an older Node', async () => {
    const { stdout } = await run(systemNode as string, ['-p', 'process.versions.node']);
    const failed = await run(systemNode as string, [join(root, 'scripts/check-node.mjs')]).catch(
      (e: { code: number; stderr: string }) => e,
    );
    if (Number(stdout.split('.')[0]) >= 22) return; // a newer system Node passes, as it should
    expect((failed as { code: number }).code).toBe(1);
    expect((failed as { stderr: string }).stderr).toContain('Switchboard needs Node.js >= 22.17');
  });
});

/**
 * Graceful shutdown under load: a real core process serves 20 keep-alive clients; SIGTERM arrives mid-run. Every
 * request that reached the server is answered (no reset, no 5xx); clients are refused only new connections once it
 * stopped listening; /readyz says `draining` meanwhile; the process exits 0 within a bounded time.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/src/config/load-config.js';
import { serve } from '../core/src/serve.js';
import { startCore } from './support/core-process.js';

const dir = mkdtempSync(join(tmpdir(), 'sb-shutdown-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const start = () =>
  startCore({
    DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
    SWITCHBOARD_PLUGINS: './test/bench/plugin/plugin.ts',
    SWITCHBOARD_ADMIN_TOKEN: 'sba_shutdown_test_admin_token_0123456789',
  });

type Outcome = 'ok' | 'refused' | `failed: ${string}`;

const get = (agent: Agent, port: number, path: string): Promise<{ status: number; connection?: string } | Outcome> =>
  new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
      res.on('error', (e) => resolve(`failed: ${e.message}`));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED' ? 'refused' : `failed: ${e.code ?? e.message}`));
    req.end();
  });

describe('SIGTERM under load', () => {
  it('answers every request it accepted, says draining on /readyz, and exits 0 in time', async () => {
    const { child, port, output } = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 20 });
    const counts = { ok: 0, refused: 0, failed: [] as string[], closing: 0 };
    let stop = false;
    const loop = async () => {
      while (!stop) {
        const r = await get(agent, port, '/api/bench/items/42?verbose=true');
        if (r === 'refused') return void counts.refused++;
        if (typeof r === 'string') counts.failed.push(r);
        else if (r.status === 200) {
          counts.ok++;
          if (r.connection === 'close') counts.closing++;
        } else counts.failed.push(`status ${r.status}`);
      }
    };
    const loops = Array.from({ length: 20 }, loop);
    await new Promise((r) => setTimeout(r, 1500));
    const before = counts.ok;
    const signalled = Date.now();
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    const exitedMs = Date.now() - signalled;
    stop = true;
    await Promise.all(loops);
    agent.destroy();
    console.log(
      `[shutdown] ${counts.ok} answered (${before} before SIGTERM), ${counts.refused} loops refused after close, ` +
        `${counts.failed.length} failed, ${counts.closing} answered with Connection: close; exit ${code} after ${exitedMs} ms`,
    );
    expect(before).toBeGreaterThan(100);
    expect(counts.failed).toEqual([]);
    expect(code, output()).toBe(0);
    expect(exitedMs).toBeLessThan(12_000);
    // Keep-alive clients were told to leave rather than cut off.
    expect(counts.closing).toBeGreaterThan(0);
  });

  it('answers /readyz with 503 draining to a client still connected while it drains', async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${join(dir, 'readyz.sqlite')}`,
      SWITCHBOARD_CONFIG: '',
      SWITCHBOARD_PLUGINS: './test/bench/plugin/plugin.ts',
      SWITCHBOARD_ADMIN_TOKEN: 'sba_shutdown_test_admin_token_0123456789',
    });
    const { port, stop } = await serve(config);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect(await get(agent, port, '/readyz')).toMatchObject({ status: 200 });
    const stopped = stop();
    // The same kept-alive socket: the server no longer listens, but still answers what reaches it.
    const during = await get(agent, port, '/readyz');
    expect(during).toEqual({ status: 503, connection: 'close' });
    expect(await get(new Agent(), port, '/readyz')).toBe('refused');
    await stopped;
    agent.destroy();
  });
});

/**
 * The real vendor documents of the shared corpus as partner assets, all loaded once in one platform: each loads
 * (quirks repaired and reported, none rejected), every operation is in /openapi.json, openapi-typescript generates
 * its types, and one operation of each is proxied to a loopback echo upstream with everything arriving intact.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../core/src/testing/index.js';
import { CORPUS, CORPUS_DIR, withBlock } from './corpus-files.js';
import { type EchoUpstream, startEchoUpstream } from './echo-upstream.js';

let upstream: EchoUpstream;
let platform: TestPlatform;
let merged: { paths: Record<string, Record<string, { operationId?: string }>> };

/** Operation counts of the corpus README (path operations, published). */
const OPERATIONS: Record<string, number> = { box: 296, digitalocean: 659, discord: 242, docker: 108, overseerr: 170, svix: 252 };

/** One call per document: chosen to cover a path template, a query, a declared header and a JSON body. */
const CALLS: Record<string, { method: string; path: string; operationId: string; json: unknown; headers?: Record<string, string> }> = {
  box: { method: 'PUT', path: '/files/123?fields=name', operationId: 'put_files_id', json: { name: 'new.txt' } },
  digitalocean: { method: 'PUT', path: '/v2/account/keys/512190', operationId: 'sshKeys_update', json: { name: 'laptop' } },
  // `/applications/@me` is also matched by `/applications/{application_id}`: the literal one must win.
  discord: { method: 'PATCH', path: '/applications/@me', operationId: 'update_my_application', json: { description: { default: 'hi' } } },
  docker: {
    method: 'POST',
    path: '/auth',
    operationId: 'SystemAuth',
    json: { username: 'u', password: 'p', serveraddress: 'https://index.docker.io/v1/' },
  },
  // Overseerr declares no operationIds: this one is generated from the method and path.
  overseerr: { method: 'POST', path: '/settings/main', operationId: 'postSettingsMain', json: { applicationTitle: 'Overseerr' } },
  svix: {
    method: 'POST',
    path: '/api/v1/auth/app/app_123/expire-all',
    operationId: 'v1.authentication.expire-all',
    json: { expiry: 1 },
    headers: { 'idempotency-key': 'k-1' },
  },
};

/** Where each document's upstream lives under the echo server (Docker's converted document has basePath /v1.56). */
const upstreamPrefix = (id: string) => (id === 'docker' ? '/docker/v1.56' : `/${id}`);

beforeAll(async () => {
  upstream = await startEchoUpstream();
  const dir = mkdtempSync(join(tmpdir(), 'partners-corpus-'));
  for (const { file, id } of CORPUS) {
    withBlock(join(CORPUS_DIR, file), dir, file, { id, upstream: { baseUrl: `${upstream.url}${upstreamPrefix(id)}` } });
  }
  platform = await startTestPlatform({ plugins: [], overrides: { partnersDir: dir, partnerAllowedHosts: ['127.0.0.1'] } });
  merged = await (await platform.call('GET', '/openapi.json', { as: 'anonymous' })).json();
}, 60_000);

afterAll(async () => {
  await platform?.close();
  await upstream?.close();
});

const meter = () => {
  if (!platform.access) throw new Error('access control is off');
  return platform.access.meter;
};

const plugin = (id: string) => {
  const p = platform.plugins.find((x) => x.prepared.meta.id === id);
  if (!p) throw new Error(`${id} did not load`);
  return p.prepared;
};

describe('the vendor corpus as partner assets', () => {
  it('loads every document: none rejected', () => {
    expect(platform.loadErrors.map((e) => e.message)).toEqual([]);
    expect(platform.plugins.map((p) => p.prepared.meta.id).sort()).toEqual(CORPUS.map((d) => d.id).sort());
    expect(String(plugin('docker').doc.openapi)).toMatch(/^3\.0\./); // converted from Swagger 2.0
  });

  it('reports each repair with its pointer', () => {
    const repairs = (id: string) =>
      platform.logs.filter((l) => l.level === 40 && l.asset === id).map((l) => `${l.pointer} ${String(l.msg).split(': ')[1]}`);
    expect(repairs('digitalocean')).toContainEqual(expect.stringMatching(/\/pattern pattern "\^\[a-zA-Z0-9_\\\\-\\\\:\]\+\$" rewritten/));
    expect(repairs('digitalocean').filter((r) => r.includes('discriminator with mapping'))).not.toHaveLength(0);
    expect(repairs('discord').filter((r) => r.includes('/enum empty enum'))).toHaveLength(2);
    expect(repairs('svix').filter((r) => r.includes('/nullable `nullable` without `type`')).length).toBeGreaterThanOrEqual(53);
    // Every schema compiled once repaired: nothing was left unchecked.
    expect(platform.logs.filter((l) => String(l.msg).startsWith('partner schema not checked'))).toEqual([]);
  });

  it('routes every operation, Box fragment variants as aliases of their plain operation', () => {
    const routed = Object.fromEntries(platform.plugins.map((p) => [p.prepared.meta.id, p.prepared.operations.length]));
    expect(routed).toEqual({ ...OPERATIONS, box: routed.box });
    // 19 fragment keys; where a plain operation (or an earlier variant) serves the same method and URL, an alias.
    expect(routed.box).toBeLessThan(OPERATIONS.box);
    expect(routed.box).toBeGreaterThan(OPERATIONS.box - 19);
  });

  it('publishes every operation of every document in /openapi.json', () => {
    for (const { id } of CORPUS) {
      const { published, meta } = plugin(id);
      const paths = (published?.paths ?? {}) as Record<string, Record<string, { operationId: string }>>;
      let count = 0;
      for (const [path, item] of Object.entries(paths)) {
        for (const [method, op] of Object.entries(item)) {
          if (!['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'].includes(method)) continue;
          count += 1;
          expect(merged.paths[`${meta.basePath}${path}`]?.[method]?.operationId, `${id} ${method} ${path}`).toBe(`${id}.${op.operationId}`);
        }
      }
      expect(count, id).toBe(OPERATIONS[id]);
    }
    expect(merged.paths['/api/box/files/{file_id}#add_shared_link']?.put?.operationId).toBe('box.put_files_id#add_shared_link');
    expect(JSON.stringify(merged)).not.toContain(upstream.url);
  });

  for (const { id } of CORPUS) {
    it(`proxies ${id}: ${CALLS[id].method} ${CALLS[id].path} arrives intact and comes back intact`, async () => {
      const call = CALLS[id];
      const record = vi.spyOn(meter(), 'record');
      const body = JSON.stringify(call.json);
      const res = await platform.call(call.method, `/api/${id}${call.path}`, {
        headers: { 'content-type': 'application/json', 'x-corpus': id, ...call.headers },
        body,
      });
      const text = await res.text();
      expect(res.status, text).toBe(207);
      expect(res.headers.get('x-upstream')).toBe('echo');
      expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
      const got = upstream.last();
      expect(got.method).toBe(call.method);
      expect(got.url).toBe(`${upstreamPrefix(id)}${call.path}`);
      expect(got.body.toString()).toBe(body);
      expect(got.headers['x-corpus']).toBe(id);
      for (const [name, value] of Object.entries(call.headers ?? {})) expect(got.headers[name]).toBe(value);
      expect(JSON.parse(text)).toEqual({ method: call.method, url: got.url, bodyBase64: Buffer.from(body).toString('base64') });
      expect(record).toHaveBeenCalledWith(platform.testApp?.appId, id, call.operationId, 207);
      record.mockRestore();
    });
  }

  it('routes a segment mixing text and a template (Box `thumbnail.{extension}`), its parameter validated', async () => {
    const record = vi.spyOn(meter(), 'record');
    const res = await platform.call('GET', '/api/box/files/123/thumbnail.png?min_width=32');
    expect(res.status).toBe(207);
    expect(upstream.last().url).toBe('/box/files/123/thumbnail.png?min_width=32');
    expect(record).toHaveBeenCalledWith(platform.testApp?.appId, 'box', 'get_files_id_thumbnail_id', 207);
    record.mockRestore();
    // `extension` is an enum of png and jpg: the split-out value is what gets checked.
    const gif = await platform.call('GET', '/api/box/files/123/thumbnail.gif');
    expect(gif.status).toBe(400);
    expect((await gif.json()).errors).toEqual([expect.objectContaining({ pointer: '/path/extension' })]);
  });

  it('generates TypeScript types for every document with openapi-typescript', async () => {
    for (const { id } of CORPUS) {
      const { published } = plugin(id);
      const source = astToString(await openapiTS(structuredClone(published) as never, { silent: true }));
      expect(source, id).toContain('export interface paths');
      expect(source, id).toContain('export interface operations');
    }
  }, 60_000);
});

/**
 * How a replica applies changes made elsewhere: when, between two polls, one uploaded asset gives up a base path and
 * another takes it, the replica ends up serving both new versions whatever order it reads them in (it retries a
 * version refused for a conflict once another change freed what it needs). A stub store stands in for the table.
 */
import { describe, expect, it } from 'vitest';
import { PartnerRegistry } from '../../core/src/partners/partner-registry.js';
import type { PartnerHead, PartnerStore } from '../../core/src/partners/partner-store.js';
import { newClaims } from '../../core/src/plugins/prepare-plugin.js';

const doc = (id: string, basePath: string) =>
  JSON.stringify({
    openapi: '3.0.3',
    info: { title: id, version: '1', 'x-switchboard': { id, basePath, mode: 'mock' } },
    paths: {
      '/thing': {
        get: {
          operationId: 'getThing',
          responses: { '200': { description: 'ok', content: { 'application/json': { schema: { type: 'string' } } } } },
        },
      },
    },
  });

interface Row extends PartnerHead {
  document: string;
  format: 'json';
  updatedAt: Date;
  updatedBy: string;
}

const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent } as never;

describe('a replica following uploads made elsewhere', () => {
  it('serves both new versions when a base path moves from one asset to another within one poll', async () => {
    const row = (id: string, version: number, basePath: string): Row => ({
      id,
      version,
      mode: 'mock',
      removed: false,
      document: doc(id, basePath),
      format: 'json',
      updatedAt: new Date(),
      updatedBy: 'operator:test',
    });
    let rows: Row[] = [row('bb', 1, '/api/shop'), row('aa', 1, '/api/other')];
    const store = {
      heads: async () => rows.map(({ id, version, mode, removed }) => ({ id, version, mode, removed })),
      get: async (id: string) => rows.find((r) => r.id === id) ?? null,
    } as unknown as PartnerStore;
    const registry = new PartnerRegistry({
      store,
      claims: newClaims(),
      directory: [],
      prepare: { rootDir: process.cwd(), pluginConfig: {}, configSources: {}, compileResponses: false },
      env: {},
      log: silent,
      defaultTimeoutMs: 1000,
      pollMs: 60_000,
    });
    await registry.sync();
    const served = () =>
      registry
        .list()
        .map((v) => `${v.id}@v${v.version}:${v.error ? v.error.code : 'ok'}`)
        .sort();
    expect(served()).toEqual(['aa@v1:ok', 'bb@v1:ok']);
    // Elsewhere, between two polls: bb moves to /api/store and aa takes /api/shop. Read in id order, aa's new version
    // first meets bb's old one.
    rows = [row('bb', 2, '/api/store'), row('aa', 2, '/api/shop')];
    await registry.sync();
    expect(served()).toEqual(['aa@v2:ok', 'bb@v2:ok']);
    expect(
      registry
        .assets()
        .map((a) => `${a.id} ${a.basePath}`)
        .sort(),
    ).toEqual(['aa /api/shop', 'bb /api/store']);
    await registry.stop();
  });
});

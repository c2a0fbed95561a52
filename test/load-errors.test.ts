/**
 * The broken-plugin corpus (test/fixtures/broken): every way a plugin can fail to load, one case per LoadError code.
 * Each case starts next to the notes example and must be reported with its code, the file at fault and the exact
 * JSON pointer, logged at error level, and left out, while the notes example keeps serving.
 */
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readAssetMeta } from '../core/src/plugins/asset-meta.js';
import { LOAD_ERRORS, type LoadErrorCode } from '../core/src/plugins/load-error.js';
import { startTestPlatform, type TestPlatform } from '../core/src/testing/index.js';

const ROOT = process.cwd();
const BROKEN = 'test/fixtures/broken';
const NOTES = './docs/examples/notes';

interface Case {
  /** The folder under test/fixtures/broken. */
  name: string;
  code: LoadErrorCode;
  /** The file at fault, relative to the case folder; `null` when the error names no file (`environment`). */
  file: string | null;
  pointer: string;
  /** Appended to the case folder to make the plugin specifier (default: the folder itself). */
  entry?: string;
}

const CASES: Case[] = [
  { name: 'manifest-parse-error', code: 'MANIFEST_PARSE_ERROR', file: 'openapi.yaml', pointer: '' },
  { name: 'manifest-unsupported-version', code: 'MANIFEST_UNSUPPORTED_VERSION', file: 'openapi.yaml', pointer: '/swagger' },
  { name: 'manifest-invalid', code: 'MANIFEST_INVALID', file: 'openapi.yaml', pointer: '/paths/~1things/get/responses/200' },
  {
    name: 'manifest-unresolved-ref',
    code: 'MANIFEST_UNRESOLVED_REF',
    file: 'openapi.yaml',
    pointer: '/paths/~1things/get/responses/200/content/application~1json/schema/$ref',
  },
  { name: 'manifest-not-found', code: 'MANIFEST_NOT_FOUND', file: 'openapi.yml', pointer: '' },
  { name: 'xsb-missing', code: 'XSB_MISSING', file: 'openapi.yaml', pointer: '/info' },
  { name: 'xsb-invalid', code: 'XSB_INVALID', file: 'openapi.yaml', pointer: '/info/x-switchboard/id' },
  { name: 'core-version-mismatch', code: 'CORE_VERSION_MISMATCH', file: 'openapi.yaml', pointer: '/info/x-switchboard/coreVersion' },
  { name: 'duplicate-asset-id', code: 'DUPLICATE_ASSET_ID', file: 'openapi.yaml', pointer: '/info/x-switchboard/id' },
  { name: 'operation-id-missing', code: 'OPERATION_ID_MISSING', file: 'openapi.yaml', pointer: '/paths/~1things/get' },
  { name: 'operation-id-duplicate', code: 'OPERATION_ID_DUPLICATE', file: 'openapi.yaml', pointer: '/paths/~1things/post/operationId' },
  { name: 'route-conflict', code: 'ROUTE_CONFLICT', file: 'openapi.yaml', pointer: '/paths/~1things~1{thingId}/get' },
  { name: 'handler-without-operation', code: 'HANDLER_WITHOUT_OPERATION', file: 'plugin.ts', pointer: '/handlers/deleteThing' },
  { name: 'operation-without-handler', code: 'OPERATION_WITHOUT_HANDLER', file: 'openapi.yaml', pointer: '/paths/~1things/post' },
  // The bad pattern is in a path-level parameter: the pointer must name that parameter's schema, where it is.
  {
    name: 'schema-compile-failed',
    code: 'SCHEMA_COMPILE_FAILED',
    file: 'openapi.yaml',
    pointer: '/paths/~1things~1{code}/parameters/0/schema',
  },
  { name: 'plugin-not-found', code: 'PLUGIN_NOT_FOUND', file: 'plugin.js', pointer: '', entry: 'plugin.js' },
  { name: 'plugin-import-failed', code: 'PLUGIN_IMPORT_FAILED', file: 'plugin.ts', pointer: '' },
  { name: 'plugin-invalid-export', code: 'PLUGIN_INVALID_EXPORT', file: 'plugin.ts', pointer: '' },
  { name: 'entity-table-prefix', code: 'ENTITY_TABLE_PREFIX', file: 'plugin.ts', pointer: '/entities/0' },
  { name: 'migration-invalid', code: 'MIGRATION_INVALID', file: 'plugin.ts', pointer: '/migrations/0' },
  // The test harness passes the config slices directly (no config file), so the core names the environment.
  { name: 'config-invalid', code: 'CONFIG_INVALID', file: null, pointer: '/config/needs-config/region' },
  { name: 'unknown-dependency', code: 'UNKNOWN_DEPENDENCY', file: 'plugin.ts', pointer: '/deps/mailer' },
  { name: 'plugin-start-failed', code: 'PLUGIN_START_FAILED', file: 'plugin.ts', pointer: '/start' },
];

const specifierOf = (c: Case) => `./${BROKEN}/${c.name}${c.entry ? `/${c.entry}` : ''}`;
const fileOf = (c: Case) => (c.file === null ? 'environment' : resolve(ROOT, BROKEN, c.name, c.file));

describe('the broken-plugin corpus', () => {
  it('has one case per folder and one folder per load-error code', () => {
    const folders = readdirSync(resolve(ROOT, BROKEN), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    expect(CASES.map((c) => c.name).sort()).toEqual(folders.sort());
    // A partner document's own code is not a plugin's: test/partner/resilience.test.ts loads one that refers to a
    // loopback upstream and checks the code and pointer.
    const partnerOnly = ['UPSTREAM_NOT_ALLOWED'];
    expect(CASES.map((c) => c.code).sort()).toEqual(
      Object.keys(LOAD_ERRORS)
        .filter((code) => !partnerOnly.includes(code))
        .sort(),
    );
  });
});

describe('a broken plugin is reported and left out; the others serve', () => {
  let platform: TestPlatform | undefined;
  afterEach(async () => {
    await platform?.close();
    platform = undefined;
  });

  it.each(CASES)('$name → $code at "$pointer"', async (c) => {
    const specifier = specifierOf(c);
    platform = await startTestPlatform({ plugins: [NOTES, specifier] });

    const file = fileOf(c);
    expect(platform.loadErrors.map((e) => e.toJSON())).toEqual([{ code: c.code, file, pointer: c.pointer, message: expect.any(String) }]);
    expect(platform.loadErrors[0].file.endsWith(c.file ?? 'environment')).toBe(true);
    expect(platform.loadErrors[0].message).toMatch(new RegExp(`^${c.code}: `));

    const logged = platform.logs.filter((line) => line.code === c.code);
    expect(logged).toEqual([
      expect.objectContaining({
        level: 50,
        code: c.code,
        file,
        pointer: c.pointer,
        plugin: specifier,
        msg: platform.loadErrors[0].message,
      }),
    ]);

    // Only the notes example is active, and it serves.
    expect(platform.plugins.map((p) => [p.prepared.specifier, p.prepared.meta.id])).toEqual([[NOTES, 'notes']]);
    const created = await platform.call('POST', '/api/notes/notes', { json: { title: 'x' } });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ title: 'x' });
  });
});

describe('conflicts between plugins', () => {
  let platform: TestPlatform | undefined;
  afterEach(async () => {
    await platform?.close();
    platform = undefined;
  });

  it('leaves out a plugin whose route another plugin already serves, and the first keeps it', async () => {
    platform = await startTestPlatform({ plugins: [NOTES, './test/fixtures/conflicts/route-taken'] });
    expect(platform.loadErrors.map((e) => [e.code, e.pointer])).toEqual([['ROUTE_CONFLICT', '/paths/~1notes/post']]);
    expect(platform.plugins.map((p) => p.prepared.meta.id)).toEqual(['notes']);
    expect(platform.loadErrors[0].message).toContain('docs/examples/notes/openapi.yaml#/paths/~1notes/post');
    const res = await (platform as TestPlatform).call('POST', '/api/notes/notes', { json: { title: 'still notes' } });
    expect(res.status).toBe(201);
    expect((await res.json()).title).toBe('still notes');
  });

  it('refuses a base path inside one the core serves', () => {
    const doc = { info: { title: 't', version: '1', 'x-switchboard': { id: 'docs-thief', coreVersion: '*', basePath: '/docs/x' } } };
    const admin = { info: { title: 't', version: '1', 'x-switchboard': { id: 'admin', coreVersion: '*' } } };
    expect(() => readAssetMeta(admin, 'm.yaml')).toThrow(/XSB_INVALID: 'admin' is the id of one of the core's own APIs/);
    expect(() => readAssetMeta(doc, 'm.yaml')).toThrow(/XSB_INVALID: '\/docs\/x' is inside '\/docs'/);
  });
});

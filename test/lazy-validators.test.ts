/**
 * VALIDATORS=lazy (the production default): plugins load without compiling their validators, which compile in the
 * background or on first use and then validate exactly as eager ones do; a bad pattern still stops its plugin at
 * start with the pointer, and nothing else is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../core/src/testing/index.js';

let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform({
    plugins: ['./docs/examples/notes', './test/fixtures/broken/schema-compile-failed'],
    overrides: { validators: 'lazy' },
  });
});
afterAll(async () => {
  await platform?.close();
});

describe('lazily compiled validators', () => {
  it('validate a request exactly as eager ones do (every pointer, 400 VALIDATION_FAILED)', async () => {
    const res = await platform.call('POST', '/api/notes/notes', { json: { title: '', extra: 1 } });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(expect.arrayContaining(['/body/title', '/body/extra']));
    const ok = await platform.call('POST', '/api/notes/notes', { json: { title: 'lazy', text: 'compiled on demand' } });
    expect(ok.status).toBe(201);
  });

  it('still refuse a plugin with a bad pattern at start, naming the file and the schema’s pointer', () => {
    const err = platform.loadErrors.find((e) => e.code === 'SCHEMA_COMPILE_FAILED');
    expect(err?.file).toMatch(/schema-compile-failed\/openapi\.yaml$/);
    expect(err?.pointer).toBe('/paths/~1things~1{code}/parameters/0/schema');
  });
});

/** Plugins are named in the configuration by path (file or folder) or by installed package name. */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../core/src/testing/index.js';

let platform: TestPlatform | undefined;
afterEach(async () => {
  await platform?.close();
  platform = undefined;
});

describe('plugin specifiers', () => {
  it.each([
    ['a package name', 'switchboard-plugin-hello'],
    ['a folder with a package.json', './test/fixtures/plugins/hello'],
    ['a module file', './test/fixtures/plugins/hello/src/plugin.ts'],
  ])('loads a plugin named by %s', async (_what, specifier) => {
    platform = await startTestPlatform({ plugins: [specifier] });
    expect(platform.loadErrors).toEqual([]);
    expect(platform.plugins.map((p) => p.prepared.meta.id)).toEqual(['hello']);
    const res = await platform.call('GET', '/hello-api/greet/pat');
    expect(await res.json()).toEqual({ text: 'Hello, pat' });
  });
});

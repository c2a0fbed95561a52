/**
 * The folder tells what a file may touch: `sdk/` and plugins never import `core/`, and a plugin written as an
 * outside package (test/fixtures/plugins/hello) reaches Switchboard only through `@switchboard/sdk`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const CODE = /\.(?:m?[jt]sx?|cts|cjs)$/;

const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    if (name === 'node_modules') return [];
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : CODE.test(name) ? [path] : [];
  });

/** Every module specifier of a file: static imports and exports, dynamic imports, require calls. */
const specifiers = (source: string): string[] => {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) found.push(m[1]);
  return found;
};

/** A plugin's own tests may start a core through the published harness, and only through it. */
const TEST_HARNESS = '@switchboard/core/testing';

const reachesCore = (file: string, spec: string): boolean => {
  if (spec === TEST_HARNESS && /\.test\.ts$/.test(file)) return false;
  if (spec === '@switchboard/core' || spec.startsWith('@switchboard/core/')) return true;
  if (!spec.startsWith('.')) return false;
  return relative(join(root, 'core'), resolve(dirname(file), spec)).split('/')[0] !== '..';
};

describe('import boundaries', () => {
  it('finds the specifiers it is meant to find (the check itself works)', () => {
    const src = `import a from '../core/src/x.js';\nexport { b } from "@switchboard/core";\nconst c = await import('./y.js');\nimport 'reflect-metadata';`;
    expect(specifiers(src).sort()).toEqual(['../core/src/x.js', './y.js', '@switchboard/core', 'reflect-metadata']);
    expect(reachesCore(join(root, 'plugins/x/src/a.ts'), '../../../core/src/index.js')).toBe(true);
    expect(reachesCore(join(root, 'plugins/x/src/a.ts'), './core.js')).toBe(false);
    expect(reachesCore(join(root, 'plugins/x/test/a.test.ts'), '@switchboard/core/testing')).toBe(false);
    expect(reachesCore(join(root, 'plugins/x/src/a.ts'), '@switchboard/core/testing')).toBe(true);
    expect(reachesCore(join(root, 'plugins/x/test/a.test.ts'), '@switchboard/core')).toBe(true);
  });

  it.each(['sdk', 'plugins', 'docs/examples', 'test/fixtures'])('no file under %s imports core/', (dir) => {
    const offenders = files(join(root, dir)).flatMap((file) =>
      specifiers(readFileSync(file, 'utf8'))
        .filter((spec) => reachesCore(file, spec))
        .map((spec) => `${relative(root, file)} imports ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it('the outside-package fixture imports only @switchboard/sdk, node built-ins and its own files', () => {
    const dir = join(root, 'test/fixtures/plugins/hello');
    const foreign = files(dir).flatMap((file) =>
      specifiers(readFileSync(file, 'utf8'))
        .filter(
          (spec) =>
            !(
              spec === '@switchboard/sdk' ||
              spec.startsWith('node:') ||
              (spec.startsWith('.') && !relative(dir, resolve(dirname(file), spec)).startsWith('..'))
            ),
        )
        .map((spec) => `${relative(root, file)} imports ${spec}`),
    );
    expect(foreign).toEqual([]);
    expect(files(dir).length).toBeGreaterThan(1);
  });
});

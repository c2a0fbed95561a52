/** @module Turns a plugin specifier from the configuration (a path or a package name) into a module file. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { LoadError } from './load-error.js';

const CANDIDATES = ['src/plugin.ts', 'plugin.ts', 'src/index.ts', 'index.ts', 'dist/index.js', 'index.js'];

const entryOfDirectory = (dir: string): string | undefined => {
  const pkgFile = join(dir, 'package.json');
  if (existsSync(pkgFile)) {
    let pkg: { exports?: unknown; main?: string };
    try {
      pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
    } catch (e) {
      throw new LoadError('PLUGIN_NOT_FOUND', pkgFile, '', `cannot read package.json: ${(e as Error).message}`);
    }
    const exp = pkg.exports;
    const main =
      typeof exp === 'string'
        ? exp
        : typeof exp === 'object' && exp !== null
          ? ((exp as Record<string, unknown>)['.'] as string | undefined)
          : undefined;
    const entry = typeof main === 'string' ? main : pkg.main;
    if (entry && existsSync(join(dir, entry))) return join(dir, entry);
  }
  return CANDIDATES.map((c) => join(dir, c)).find((f) => existsSync(f));
};

/**
 * Resolves `specifier` from `rootDir`: `./x`, `../x` and absolute paths are files or directories (a directory's
 * package.json `exports`/`main`, else `src/plugin.ts`); anything else is a package name.
 */
export const resolvePlugin = (specifier: string, rootDir: string): string => {
  const looksLikePath = specifier.startsWith('.') || isAbsolute(specifier);
  if (looksLikePath) {
    const target = resolve(rootDir, specifier);
    if (!existsSync(target)) throw new LoadError('PLUGIN_NOT_FOUND', target, '', `no such file or directory (from '${specifier}')`);
    const file = statSync(target).isDirectory() ? entryOfDirectory(target) : target;
    if (!file) throw new LoadError('PLUGIN_NOT_FOUND', target, '', `no package.json entry and none of ${CANDIDATES.join(', ')}`);
    return file;
  }
  try {
    return createRequire(join(rootDir, 'package.json')).resolve(specifier);
  } catch (e) {
    throw new LoadError('PLUGIN_NOT_FOUND', specifier, '', `package not installed (${(e as Error).message.split('\n')[0]})`);
  }
};

/**
 * @module Test harness: start a platform in-process with chosen plugins, call it through `app.request()`, read what
 * it logged. Used by the core's tests and by plugin authors' tests.
 */
import { Writable } from 'node:stream';
import type { CoreConfig } from '../config/config.js';
import { loadConfig } from '../config/load-config.js';
import { createPlatform, type Platform } from '../platform/create-platform.js';

export interface TestPlatformOptions {
  /** Plugin specifiers, resolved from `rootDir` (default: the repository root). */
  plugins: string[];
  /** Default: a private in-memory SQLite database. */
  databaseUrl?: string;
  pluginConfig?: CoreConfig['pluginConfig'];
  /** Any other config to override. */
  overrides?: Partial<CoreConfig>;
}

export interface TestPlatform extends Platform {
  /** Every log line written so far, parsed. */
  logs: Record<string, unknown>[];
  /** Calls the app like a client would, with a JSON body when `json` is given. */
  call(method: string, path: string, init?: { json?: unknown; headers?: Record<string, string>; body?: BodyInit }): Promise<Response>;
}

/** Starts a platform for a test. Close it with `platform.close()`. */
export const startTestPlatform = async ({ plugins, databaseUrl, pluginConfig, overrides }: TestPlatformOptions): Promise<TestPlatform> => {
  const base = loadConfig({ NODE_ENV: 'test' }, process.cwd());
  const config: CoreConfig = {
    ...base,
    plugins,
    databaseUrl: databaseUrl ?? 'sqlite::memory:',
    pluginConfig: pluginConfig ?? {},
    pluginConfigSources: {},
    configFile: null,
    logLevel: 'info',
    accessLog: false,
    ...overrides,
  };
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line));
      done();
    },
  });
  const platform = await createPlatform(config, { logDestination: destination });
  return Object.assign(platform, {
    logs,
    call: (method: string, path: string, init: { json?: unknown; headers?: Record<string, string>; body?: BodyInit } = {}) => {
      const headers: Record<string, string> = { ...init.headers };
      let body = init.body;
      if (init.json !== undefined) {
        headers['content-type'] ??= 'application/json';
        body = JSON.stringify(init.json);
      }
      return Promise.resolve(platform.app.request(path, { method, headers, body }));
    },
  });
};

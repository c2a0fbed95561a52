/** @module Serves a platform over HTTP, prints the start-up banner and drains on SIGTERM/SIGINT. */
import { serve as honoServe } from '@hono/node-server';
import type { CoreConfig } from './config/config.js';
import { dialectOf } from './db/create-orm.js';
import { createPlatform, type Platform } from './platform/create-platform.js';
import { CORE_VERSION } from './version.js';

const banner = (platform: Platform, url: string): string => {
  const { config, plugins, loadErrors, migrationsApplied } = platform;
  const db = config.databaseUrl.startsWith('sqlite:')
    ? `sqlite ${config.databaseUrl.slice(7)}`
    : `${dialectOf(config.databaseUrl)} ${config.databaseUrl.replace(/\/\/[^@/]*@/, '//***@')}`;
  const lines = [
    `Switchboard ${CORE_VERSION} (${config.env}) listening on ${url}`,
    `  API reference  ${url}/docs`,
    `  OpenAPI        ${url}/openapi.json`,
    `  Health         ${url}/healthz  ${url}/readyz`,
    `  Database       ${db} (${migrationsApplied.length} migration(s) applied now)`,
  ];
  for (const p of plugins) {
    const { meta, operations } = p.prepared;
    lines.push(`  Asset          ${meta.id.padEnd(12)} ${url}${meta.basePath}  (${operations.length} operations, v${meta.version})`);
  }
  if (plugins.length === 0) lines.push('  Assets         none loaded: list plugins in switchboard.config.yaml or SWITCHBOARD_PLUGINS');
  const { generatedAdminToken, demoKey } = platform.bootstrap;
  if (platform.access) lines.push(`  Admin API      ${url}/admin/v1  (operator token: Authorization: Bearer sba_…)`);
  else lines.push('  Access         OFF (ACCESS_CONTROL=off): every asset call is anonymous');
  // Shown once, on the start that created them; only their hashes are stored.
  if (generatedAdminToken)
    lines.push(`  Admin token    ${generatedAdminToken}  (generated now and shown once; or set SWITCHBOARD_ADMIN_TOKEN)`);
  if (demoKey) lines.push(`  Demo app key   ${demoKey}  (subscribed to every asset; shown once)`);
  for (const e of loadErrors) lines.push(`  LEFT OUT       ${e.code} ${e.file}${e.pointer ? `#${e.pointer}` : ''}`);
  return lines.join('\n');
};

/** Starts the platform on `config.port`; resolves once listening. */
export const serve = async (config: CoreConfig): Promise<{ platform: Platform; port: number; stop: () => Promise<void> }> => {
  const platform = await createPlatform(config);
  const server = await new Promise<ReturnType<typeof honoServe>>((resolve) => {
    const s = honoServe({ fetch: platform.app.fetch, port: config.port, hostname: config.host }, () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  process.stderr.write(`${banner(platform, config.publicUrl ?? `http://${host}:${port}`)}\n`);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await platform.close();
    })();
    return stopping;
  };
  return { platform, port, stop };
};

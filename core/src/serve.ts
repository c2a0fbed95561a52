/** @module Serves a platform over HTTP, prints the start-up banner and drains on SIGTERM/SIGINT. */
import { Server as NetServer } from 'node:net';
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
    `  Health         ${url}/healthz  ${url}/readyz${config.metrics ? `  ${url}/metrics` : ''}`,
    `  Database       ${db} (${migrationsApplied.length} migration(s) applied now)`,
  ];
  for (const p of plugins) {
    const { meta, operations } = p.prepared;
    lines.push(`  Asset          ${meta.id.padEnd(12)} ${url}${meta.basePath}  (${operations.length} operations, v${meta.version})`);
  }
  if (config.role !== 'all') {
    const what = config.role === 'api' ? 'serves the API; runs no jobs and consumes no queues' : 'runs jobs and queue workers';
    lines.push(`  Role           ${config.role}: ${what} (SWITCHBOARD_ROLE)`);
  }
  if (!config.metrics) lines.push('  Metrics        off: set METRICS_TOKEN (or METRICS=on on a private port) to serve /metrics');
  for (const a of platform.partners.assets()) lines.push(`  Asset          ${a.id.padEnd(12)} ${url}${a.basePath}  (uploaded partner)`);
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

/** How long in-flight requests may take to finish after SIGTERM before their connections are cut. */
const HTTP_DRAIN_MS = 10_000;
/** After SIGTERM, how long a keep-alive connection may stay silent before it is closed as idle. */
const IDLE_GRACE_MS = 1_000;

const DRAINING = JSON.stringify({ status: 'draining', checks: { http: 'shutting down' } });

/** Starts the platform on `config.port`; resolves once listening. */
export const serve = async (config: CoreConfig): Promise<{ platform: Platform; port: number; stop: () => Promise<void> }> => {
  const platform = await createPlatform(config);
  let draining = false;
  // While draining, /readyz says so (a load balancer stops sending), and everything else is still served.
  const fetch = (request: Request, env: unknown) =>
    draining && new URL(request.url).pathname === '/readyz'
      ? new Response(DRAINING, { status: 503, headers: { 'content-type': 'application/json' } })
      : platform.app.fetch(request, env as never);
  const server = await new Promise<ReturnType<typeof honoServe>>((resolve) => {
    const s = honoServe({ fetch, port: config.port, hostname: config.host }, () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  process.stderr.write(`${banner(platform, config.publicUrl ?? `http://${host}:${port}`)}\n`);

  let stopping: Promise<void> | undefined;
  /**
   * Graceful stop: no new connections; every response from now on says `Connection: close`, so keep-alive clients
   * move off on their own after the answer they wait for; in-flight requests finish (cut after HTTP_DRAIN_MS);
   * then background work drains and the pools close (platform.close).
   */
  const stop = () => {
    stopping ??= (async () => {
      draining = true;
      const http = server as unknown as import('node:http').Server;
      // First in line, so the header is set before the app can answer (a synchronous answer writes at once).
      http.prependListener('request', (_req, res) => {
        if (!res.headersSent) res.setHeader('connection', 'close');
      });
      // Stop accepting without touching open sockets (http.Server#close would also close "idle" ones, and a socket
      // whose next request is on the wire but not yet parsed counts as idle: its client would get a reset).
      const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(http, () => resolve()));
      // Busy clients leave on their own (Connection: close); what is still open after a grace period is truly idle.
      const sweep = setTimeout(() => http.closeIdleConnections(), IDLE_GRACE_MS);
      let cut: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        cut = setTimeout(() => {
          platform.log.warn({ afterMs: HTTP_DRAIN_MS }, 'requests still running at the drain deadline: cutting their connections');
          http.closeAllConnections();
          resolve();
        }, HTTP_DRAIN_MS);
      });
      await Promise.race([closed, deadline]);
      clearTimeout(sweep);
      clearTimeout(cut);
      await platform.close();
    })();
    return stopping;
  };
  return { platform, port, stop };
};

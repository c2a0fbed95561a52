/**
 * @module Assembles the platform: logger, DI container, plugins (prepared, then the database, then activated and
 * started), the merged document and the Hono app. A plugin that fails to load is reported and left out.
 */
import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import type { MikroORM } from '@mikro-orm/core';
import type { Logger } from '@switchboard/sdk';
import type { Hono } from 'hono';
import type { DestinationStream } from 'pino';
import { container } from 'tsyringe';
import { accessRef, assetsRef, backgroundRef, partnersRef } from '../access/admin-api/src/plugin.js';
import { authThrottle } from '../access/auth-throttle.js';
import { type BootstrapResult, bootstrapAccess } from '../access/bootstrap.js';
import { type Access, createAccess } from '../access/create-access.js';
import { operatorMiddleware } from '../access/operator-middleware.js';
import { sessionMiddleware } from '../access/session-middleware.js';
import { type Background, createBackground } from '../background/background.js';
import type { CoreConfig } from '../config/config.js';
import { createOrm, migrate, ormOptionsFor } from '../db/create-orm.js';
import { createApp, mountAsset } from '../http/create-app.js';
import { frontDoor } from '../http/front-door.js';
import { createLogger } from '../logging/create-logger.js';
import { backgroundGauges } from '../metrics/background-gauges.js';
import { createPlatformMetrics, type PlatformMetrics } from '../metrics/platform-metrics.js';
import { type MergeInput, mergeDocuments } from '../openapi/merge-documents.js';
import { loadPartners } from '../partners/load-partners.js';
import { PartnerRegistry } from '../partners/partner-registry.js';
import { PartnerStore } from '../partners/partner-store.js';
import { type ActivePlugin, activatePlugin } from '../plugins/activate-plugin.js';
import { LoadError } from '../plugins/load-error.js';
import { newClaims, type PreparedPlugin, preparePlugin } from '../plugins/prepare-plugin.js';
import { warmValidators } from '../plugins/warm-validators.js';
import type { CompiledOperation } from '../validation/compile-operation.js';
import { CORE_VERSION } from '../version.js';
import { webRoutes } from '../web/index.js';
import { readiness } from './readiness.js';

/** The admin API's module: a plugin of the core itself. */
const ADMIN_API = fileURLToPath(new URL('../access/admin-api/src/plugin.ts', import.meta.url));
const DEVELOPER_API = fileURLToPath(new URL('../access/developer-api/src/plugin.ts', import.meta.url));

import { PlatformEventBus } from '../services/event-bus.js';
import { registerCoreServices } from '../services/register-services.js';

export interface Platform {
  config: CoreConfig;
  app: Hono;
  orm: MikroORM;
  log: Logger;
  plugins: ActivePlugin[];
  /** Plugins left out, with why. */
  loadErrors: LoadError[];
  migrationsApplied: string[];
  document: Record<string, unknown>;
  /** The access layer, when ACCESS_CONTROL is on. */
  access?: Access;
  /** Credentials created at first start, to show once. */
  bootstrap: BootstrapResult;
  /** Jobs, workers and the queue (operators reach them through the admin API's `background` operations). */
  background: Background;
  /** Partner assets: PARTNERS_DIR's, and those uploaded at runtime (admin API, CLI, console). */
  partners: PartnerRegistry;
  /** The Prometheus registry served on `/metrics`. */
  metrics: PlatformMetrics;
  /** Drains background work, runs the plugins' stop hooks and closes the database. */
  close(): Promise<void>;
}

export interface PlatformOptions {
  /** Log destination (tests read logs from a stream). */
  logDestination?: DestinationStream;
}

const asLoadError = (e: unknown, specifier: string): LoadError =>
  e instanceof LoadError ? e : new LoadError('PLUGIN_IMPORT_FAILED', specifier, '', (e as Error)?.message ?? String(e), { cause: e });

/** Creates and starts the platform (without listening). */
export const createPlatform = async (config: CoreConfig, options: PlatformOptions = {}): Promise<Platform> => {
  const log = createLogger({ level: config.logLevel, destination: options.logDestination });
  const loadErrors: LoadError[] = [];
  const report = (e: LoadError, specifier: string) => {
    loadErrors.push(e);
    log.error({ code: e.code, file: e.file, pointer: e.pointer, plugin: specifier }, e.message);
  };

  const metrics = createPlatformMetrics({ version: CORE_VERSION, replica: config.replicaId, role: config.role });
  const door = frontDoor({ log, accessLog: config.accessLog, bodyLimitBytes: config.bodyLimitBytes });
  const prepared: PreparedPlugin[] = [];
  const claims = newClaims();
  for (const specifier of config.plugins) {
    try {
      const p = await preparePlugin(specifier, claims, {
        rootDir: config.rootDir,
        pluginConfig: config.pluginConfig,
        configSources: config.pluginConfigSources,
        compileResponses: config.responseValidation,
        lazyValidators: config.validators === 'lazy',
      });
      prepared.push(p);
    } catch (e) {
      report(asLoadError(e, specifier), specifier);
    }
  }

  // One metrics family for every partner asset, those of PARTNERS_DIR and those uploaded later.
  const partnerMetrics = metrics.forAsset('partner');
  // Partner documents: assets with no code, prepared after the plugins (whose routes they may not take).
  const partners = await loadPartners({
    dir: config.partnersDir,
    claims,
    prepare: {
      rootDir: config.rootDir,
      pluginConfig: config.pluginConfig,
      configSources: config.pluginConfigSources,
      compileResponses: false,
      lazyValidators: config.validators === 'lazy',
    },
    log,
    env: process.env,
    defaultTimeoutMs: config.httpTimeoutMs,
    allowedHosts: config.partnerAllowedHosts,
    metrics: partnerMetrics,
  });
  prepared.push(...partners.prepared);
  for (const { file, error } of partners.errors) report(error, file);

  const orm = await createOrm(ormOptionsFor(config.databaseUrl, prepared));
  let migrationsApplied: string[] = [];
  if (config.migrateOnStart) {
    try {
      migrationsApplied = await migrate(orm);
    } catch (e) {
      await orm.close(true);
      throw new Error(`migrations failed: ${(e as Error).message}`, { cause: e });
    }
  }

  let background: Background;
  try {
    background = await createBackground(config, orm, log);
  } catch (e) {
    await orm.close(true);
    throw new Error(`cannot start the queue (${config.queueAdapter}): ${(e as Error).message}`, { cause: e });
  }
  backgroundGauges(metrics, background.admin);
  const root = container.createChildContainer();
  registerCoreServices(root, { log, events: new PlatformEventBus(log), orm: () => orm, queue: () => background.queue, metrics });
  const plugins: ActivePlugin[] = [];
  const assetList = (): { id: string; title: string; basePath: string }[] => [
    ...plugins.map((p) => ({ id: p.prepared.meta.id, title: p.prepared.meta.title, basePath: p.prepared.meta.basePath })),
    ...partnerRegistry.assets(),
  ];
  const access = config.accessControl
    ? await createAccess({
        orm,
        log,
        databaseUrl: config.databaseUrl,
        assetIds: () => assetList().map((a) => a.id),
        pollMs: config.accessPollMs,
      })
    : undefined;
  if (access) root.register(accessRef.id, { useValue: access });
  // Jobs and workers of a disabled asset pause on every replica, as its API calls do.
  if (access) background.setAssetEnabledCheck((assetId) => access.state.isEnabled(assetId, null));
  root.register(assetsRef.id, { useValue: assetList });
  root.register(backgroundRef.id, { useValue: background.admin });
  // Plugins at start and partner documents uploaded later are activated alike.
  const activate = (p: PreparedPlugin) =>
    activatePlugin(p, {
      root,
      orm: () => orm,
      httpTimeoutMs: config.httpTimeoutMs,
      responseValidation: config.responseValidation,
      access,
      door,
      metrics: metrics.requests,
    });
  for (const p of prepared) {
    try {
      const active = activate(p);
      await active.prepared.definition.start?.(active.services as never);
      plugins.push(active);
    } catch (e) {
      const err =
        e instanceof LoadError ? e : new LoadError('PLUGIN_START_FAILED', p.moduleFile, '/start', (e as Error).message, { cause: e });
      report(err, p.specifier);
    }
  }

  // Uploaded partner documents: loaded now from the database, then polled; served by `runtimeAssets` below.
  const partnerRegistry: PartnerRegistry = new PartnerRegistry({
    store: new PartnerStore(orm),
    claims,
    directory: partners.prepared,
    prepare: { rootDir: config.rootDir, pluginConfig: {}, configSources: {}, compileResponses: false },
    env: process.env,
    log,
    defaultTimeoutMs: config.httpTimeoutMs,
    allowedHosts: config.partnerAllowedHosts,
    metrics: partnerMetrics,
    pollMs: config.accessPollMs,
    activate,
    mount: (basePath, routes) => mountAsset(log, basePath, routes),
    takenBasePaths: () => plugins.map((p) => ({ id: p.prepared.meta.id, basePath: p.prepared.meta.basePath })),
    auth: access ? 'app-key' : undefined,
  });
  root.register(partnersRef.id, { useValue: partnerRegistry });
  await partnerRegistry.start();

  // After every plugin started, so jobs and workers see started services; a bad job or worker is reported like a
  // load error and the rest keep running.
  for (const problem of await background.start(plugins)) {
    report(new LoadError('PLUGIN_START_FAILED', problem.file, problem.pointer, problem.message), problem.assetId);
  }

  // The core's own APIs, built as plugins: behind operator auth, not subject to keys, plans or toggles.
  const systemPlugins: ActivePlugin[] = [];
  let bootstrap: BootstrapResult = {};
  if (access) {
    const options = {
      rootDir: config.rootDir,
      pluginConfig: {},
      configSources: {},
      compileResponses: config.responseValidation,
      lazyValidators: config.validators === 'lazy',
      system: true,
    };
    const system = [
      { module: ADMIN_API, guard: (op: CompiledOperation) => operatorMiddleware(orm, op) },
      {
        module: DEVELOPER_API,
        // Sign-up and sign-in need no session, but are throttled per client address.
        guard: (op: CompiledOperation) =>
          op.settings.public === true ? authThrottle(access.budget, op.operationId, config.authAttemptsPerMinute) : sessionMiddleware(orm),
      },
    ];
    for (const { module, guard } of system) {
      const prepared = await preparePlugin(module, newClaims(), options);
      systemPlugins.push(
        activatePlugin(prepared, {
          root,
          orm: () => orm,
          httpTimeoutMs: config.httpTimeoutMs,
          responseValidation: config.responseValidation,
          guard,
          door,
          metrics: metrics.requests,
        }),
      );
    }
    bootstrap = await bootstrapAccess(access, orm, {
      adminToken: config.adminToken ?? undefined,
      demo: config.demoApp,
      assetIds: plugins.map((p) => p.prepared.meta.id),
    });
  }

  const authOf = (id: string): MergeInput['auth'] =>
    !access ? undefined : id === 'admin' ? 'operator' : id === 'developer' ? 'developer' : 'app-key';
  const documents: MergeInput[] = [...systemPlugins, ...plugins].map((p) => ({
    meta: p.prepared.meta,
    doc: p.prepared.published ?? p.prepared.doc,
    auth: authOf(p.prepared.meta.id),
  }));
  const document = mergeDocuments(documents, config.publicUrl);
  const documentJson = publishedDocument(
    () => [...documents, ...partnerRegistry.documents()],
    () => partnerRegistry.revision,
    config.publicUrl,
    access,
    // Merged already: the document as served while no upload is loaded and nothing is disabled.
    partnerRegistry.documents().length === 0 ? JSON.stringify(document) : undefined,
  );
  const app = createApp({
    log,
    door,
    plugins: [...systemPlugins, ...plugins],
    documentJson,
    runtimeAssets: (c) => partnerRegistry.route(c),
    web: access
      ? webRoutes({
          orm,
          access,
          background: background.admin,
          log,
          assets: assetList,
          documentJson,
          partners: partnerRegistry,
          authAttemptsPerMinute: config.authAttemptsPerMinute,
        })
      : [],
    ready: readiness({ orm, queue: background.queue, plugins: () => plugins, loadErrors }),
    metrics: config.metrics ? { render: () => metrics.render(), token: config.metricsToken } : undefined,
  });
  // Lazily prepared validators compile now, in the background, so the first calls need not wait for them.
  const warming = warmValidators(
    [...plugins, ...systemPlugins].map((p) => p.prepared),
    log,
  );

  return {
    config,
    app,
    orm,
    log,
    plugins,
    loadErrors,
    migrationsApplied,
    document,
    background,
    access,
    bootstrap,
    metrics,
    partners: partnerRegistry,
    async close() {
      warming.stop();
      try {
        await background.stop();
      } catch (err) {
        log.error({ err }, 'draining background work failed');
      }
      for (const p of [...plugins].reverse()) {
        try {
          await p.prepared.definition.stop?.(p.services as never);
        } catch (err) {
          log.error({ err, asset: p.prepared.meta.id }, 'plugin stop hook failed');
        }
      }
      await partnerRegistry.stop();
      // After the last request: the meter's final flush is part of "nothing lost".
      await access?.close();
      await orm.close(true);
    },
  };
};

/**
 * The merged document as served: an asset an operator disabled for everyone leaves it (and so the docs page) until
 * it is enabled again, and uploaded partner assets come and go with the registry. Merged again only when the set of
 * disabled assets or the registry's revision changes.
 */
const publishedDocument = (
  documents: () => MergeInput[],
  revision: () => number,
  publicUrl: string | null,
  access: Access | undefined,
  full: string | undefined,
): (() => string) => {
  let served = full === undefined ? { key: '', json: '' } : { key: `${revision()}|`, json: full };
  return () => {
    const all = documents();
    const enabled = access ? all.filter((d) => access.state.isEnabled(d.meta.id, null)) : all;
    const disabled = all
      .filter((d) => !enabled.includes(d))
      .map((d) => d.meta.id)
      .join(',');
    const key = `${revision()}|${disabled}`;
    if (key !== served.key) served = { key, json: JSON.stringify(mergeDocuments(enabled, publicUrl)) };
    return served.json;
  };
};

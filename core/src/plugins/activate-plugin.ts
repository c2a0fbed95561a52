/**
 * @module Activates a prepared plugin: resolves its declared deps from its own child DI container, builds its
 * handlers, checks them against the manifest's operations, and mounts each operation on a Hono sub-app.
 */
import { type MikroORM, RequestContext } from '@mikro-orm/core';
import { coreServices, type Handler } from '@switchboard/sdk';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import type { DependencyContainer } from 'tsyringe';
import { accessGate } from '../access/access-gate.js';
import type { Access } from '../access/create-access.js';
import { assetDisabled } from '../access/gate.js';
import type { FrontDoor } from '../http/front-door.js';
import { createOperationHandler } from '../http/operation-handler.js';
import type { RequestMetrics } from '../metrics/request-metrics.js';
import { PLUGIN_SCOPE, type PluginScope } from '../services/register-services.js';
import type { CompiledOperation } from '../validation/compile-operation.js';
import { LoadError } from './load-error.js';
import type { PreparedPlugin } from './prepare-plugin.js';

export interface ActivePlugin {
  prepared: PreparedPlugin;
  container: DependencyContainer;
  services: Record<string, unknown>;
  /** The operations, mounted relative to the asset's base path. */
  routes: Hono;
}

export interface ActivateOptions {
  root: DependencyContainer;
  /** The access layer: key auth, toggles, subscriptions, limits and metering in front of every non-public operation. */
  access?: Access;
  /** For the core's own APIs: their own authentication (operator tokens, developer sessions) instead of app keys. */
  guard?: (op: CompiledOperation) => MiddlewareHandler | null;
  orm: () => MikroORM;
  httpTimeoutMs: number;
  responseValidation: boolean;
  /** Wrapped into every operation's handler: request id, scope, body limit, access log. */
  door: FrontDoor;
  /** Where each operation's answers and latency are counted for `/metrics`. */
  metrics?: RequestMetrics;
}

const escapeRegex = (text: string) => text.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&');

/**
 * OpenAPI `{id}` → Hono `:id`. Hono params take whole segments, so a segment mixing text and templates
 * (`thumbnail.{extension}`) becomes one regex param `__seg<i>`, split back into its templates by `mixedSegments`.
 */
export const toHonoPath = (path: string): string =>
  path
    .split('/')
    .map((seg, i) => {
      if (!seg.includes('{')) return seg;
      if (/^\{[^}]+\}$/.test(seg)) return `:${seg.slice(1, -1)}`;
      return `:__seg${i}{${seg
        .split(/\{[^}]+\}/)
        .map(escapeRegex)
        .join('[^/]+?')}}`;
    })
    .join('/');

/** For a path with mixed segments, reads its path parameters by name; undefined for the usual whole-segment path. */
export const mixedSegments = (path: string): ((raw: Record<string, string>) => Record<string, unknown>) | undefined => {
  const parts = path
    .split('/')
    .map((seg, i) => ({ seg, i }))
    .filter(({ seg }) => seg.includes('{') && !/^\{[^}]+\}$/.test(seg))
    .map(({ seg, i }) => ({
      key: `__seg${i}`,
      names: [...seg.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]),
      re: new RegExp(
        `^${seg
          .split(/\{[^}]+\}/)
          .map(escapeRegex)
          .join('(.+?)')}$`,
      ),
    }));
  if (parts.length === 0) return undefined;
  return (raw) => {
    const out: Record<string, unknown> = { ...raw };
    for (const { key, names, re } of parts) {
      const m = re.exec(String(raw[key] ?? ''));
      delete out[key];
      names.forEach((name, j) => {
        if (m) out[name] = m[j + 1];
      });
    }
    return out;
  };
};

/** Activates a plugin; throws LoadError. */
export const activatePlugin = (
  prepared: PreparedPlugin,
  { root, orm, httpTimeoutMs, responseValidation, access, guard, door, metrics }: ActivateOptions,
): ActivePlugin => {
  const { definition, meta, moduleFile, manifestFile } = prepared;
  const container = root.createChildContainer();
  const scope: PluginScope = {
    info: { id: meta.id, title: meta.title, version: meta.version, basePath: meta.basePath },
    config: prepared.config,
    httpTimeoutMs,
  };
  container.register(PLUGIN_SCOPE, { useValue: scope });

  const services: Record<string, unknown> = {};
  for (const [name, ref] of Object.entries(definition.deps ?? {})) {
    if (!ref || typeof ref.id !== 'string' || !root.isRegistered(ref.id)) {
      throw new LoadError('UNKNOWN_DEPENDENCY', moduleFile, `/deps/${name}`, `no core service '${ref?.id ?? String(ref)}'`);
    }
    services[name] = container.resolve(ref.id);
  }

  let handlers: Record<string, Handler<unknown>>;
  try {
    handlers = definition.handlers(services as never) as Record<string, Handler<unknown>>;
  } catch (e) {
    throw new LoadError('PLUGIN_START_FAILED', moduleFile, '/handlers', `handlers() threw: ${(e as Error).message}`, { cause: e });
  }
  const declared = new Map(prepared.operations.map((op) => [op.operationId, op]));
  for (const name of Object.keys(handlers ?? {})) {
    if (!declared.has(name)) {
      throw new LoadError(
        'HANDLER_WITHOUT_OPERATION',
        moduleFile,
        `/handlers/${name}`,
        `the manifest ${manifestFile} has no operation '${name}'`,
      );
    }
  }
  for (const op of prepared.operations) {
    if (typeof handlers?.[op.operationId] !== 'function') {
      throw new LoadError('OPERATION_WITHOUT_HANDLER', manifestFile, op.pointer, `no handler for '${op.operationId}' in ${moduleFile}`);
    }
  }

  // Only plugins that use the database pay for a request-scoped EntityManager.
  const usesDb = Object.values(definition.deps ?? {}).some((ref) => ref.id === coreServices.database.id);
  const runInScope = usesDb ? <T>(fn: () => T): T => RequestContext.create(orm().em, fn) : undefined;

  const routes = new Hono();
  for (const op of prepared.operations) {
    // A public operation has no key to check, but a disabled asset still answers 503 ASSET_DISABLED.
    const checkAvailable =
      access && !guard && op.settings.public === true
        ? () => {
            if (!access.state.isEnabled(meta.id, null)) throw assetDisabled(meta.id);
          }
        : undefined;
    const gate = access && !guard && op.settings.public !== true ? accessGate(access, meta.id, op) : undefined;
    const handler = createOperationHandler({
      op,
      handler: handlers[op.operationId],
      runInScope,
      responseValidation,
      checkAvailable,
      gate,
      passthrough: prepared.passthrough,
      readPath: mixedSegments(op.path),
      meter: metrics?.meter(meta.id, op.operationId),
    });
    const path = toHonoPath(op.path);
    const method = op.method.toUpperCase();
    const own = guard?.(op);
    // One handler per route, so Hono calls it directly; the core's own APIs keep their guard as a middleware.
    if (own) routes.on(method, path, door.middleware, own, handler);
    else routes.on(method, path, door.wrap(handler as (c: Context) => Promise<Response>));
  }
  return { prepared, container, services, routes };
};

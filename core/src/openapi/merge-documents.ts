/**
 * @module The merged OpenAPI document of every loaded asset: paths under each asset's base path, components renamed
 * `<asset id>.<name>` so two assets cannot clash, one tag per asset, operationIds `<asset id>.<operationId>`.
 */
import type { AssetMeta } from '../plugins/asset-meta.js';
import { CORE_VERSION } from '../version.js';

export interface MergeInput {
  meta: AssetMeta;
  doc: Record<string, unknown>;
  /**
   * Who may call the asset's operations, as the platform enforces it: `app-key` (the access layer: an app's key,
   * unless the operation is public), `operator` (the admin API), `developer` (a developer session, unless public).
   * Omitted: the asset's own `security` is kept as declared (no access layer).
   */
  auth?: 'app-key' | 'operator' | 'developer';
}

/** The credentials the platform itself checks, declared once so the docs page offers an Authorize button. */
const PLATFORM_SCHEMES = {
  appKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An app’s API key (`sbk_…`).' },
  appBearer: { type: 'http', scheme: 'bearer', description: 'An app’s API key (`sbk_…`) as `Authorization: Bearer`.' },
  operatorToken: { type: 'http', scheme: 'bearer', description: 'An operator token (`sba_…`).' },
  developerSession: { type: 'http', scheme: 'bearer', description: 'A developer session token (`sbs_…`) from sign-in.' },
};

/**
 * The security requirement of one operation: what the platform enforces, combined with what the asset declares
 * itself (`own`, already renamed). An asset's own scheme comes on top of the app key (both are needed), so the key
 * then goes in X-API-Key, leaving `Authorization` to the asset.
 */
const securityOf = (auth: MergeInput['auth'], op: Record<string, unknown>, own: unknown): unknown => {
  if (auth === undefined) return own;
  const settings = (op['x-switchboard'] ?? {}) as { public?: boolean; scopes?: string[] };
  if (auth === 'operator') return [{ operatorToken: [] }];
  if (settings.public === true) return own ?? [];
  if (auth === 'developer') return [{ developerSession: [] }];
  const scopes = settings.scopes ?? [];
  if (Array.isArray(own) && own.length > 0) return own.map((req) => ({ appKey: scopes, ...(req as object) }));
  return [{ appKey: scopes }, { appBearer: scopes }];
};

/** Security requirements name schemes, which are renamed `<asset id>.<scheme>` like every component. */
const renameSecurity = (security: unknown, id: string): unknown =>
  Array.isArray(security)
    ? security.map((req) =>
        Object.fromEntries(Object.entries(req as Record<string, unknown>).map(([name, scopes]) => [`${id}.${name}`, scopes])),
      )
    : security;

/** Rewrites local refs to the renamed components and 3.0's `nullable` into 3.1 type arrays. */
const rewrite = (node: unknown, id: string, openapi30: boolean): unknown => {
  if (Array.isArray(node)) return node.map((n) => rewrite(n, id, openapi30));
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string') {
      const m = /^#\/components\/([^/]+)\/(.+)$/.exec(v);
      out[k] = m ? `#/components/${m[1]}/${id}.${m[2]}` : v;
    } else out[k] = rewrite(v, id, openapi30);
  }
  if (openapi30) {
    if (out.nullable === true && typeof out.type === 'string') {
      out.type = [out.type, 'null'];
      delete out.nullable;
    }
    // 3.0's boolean exclusive bounds are numbers in 3.1.
    for (const [flag, bound] of [
      ['exclusiveMinimum', 'minimum'],
      ['exclusiveMaximum', 'maximum'],
    ] as const) {
      if (out[flag] === true && typeof out[bound] === 'number') {
        out[flag] = out[bound];
        delete out[bound];
      } else if (out[flag] === false) delete out[flag];
    }
  }
  return out;
};

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** Builds the merged document (computed once per change of the loaded assets, never per request). */
export const mergeDocuments = (assets: MergeInput[], publicUrl: string | null): Record<string, unknown> => {
  const paths: Record<string, unknown> = {};
  const components: Record<string, Record<string, unknown>> = {};
  const tags: unknown[] = [];
  for (const { meta, doc, auth } of assets) {
    const openapi30 = !String(doc.openapi).startsWith('3.1');
    tags.push({
      name: meta.id,
      description: `${meta.title} (v${meta.version})`,
      'x-switchboard': { asset: meta.id, basePath: meta.basePath },
    });
    for (const [path, item] of Object.entries((doc.paths as Record<string, Record<string, unknown>>) ?? {})) {
      const merged: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(rewrite(item, meta.id, openapi30) as Record<string, unknown>)) {
        if (METHODS.has(key) && value && typeof value === 'object') {
          const op = value as Record<string, unknown>;
          // The document-level `security` applies to operations that declare none; the merged document has no default.
          const security = securityOf(auth, op, renameSecurity(op.security ?? doc.security, meta.id));
          merged[key] = { ...op, operationId: `${meta.id}.${op.operationId}`, tags: [meta.id], ...(security ? { security } : {}) };
        } else merged[key] = value;
      }
      paths[`${meta.basePath}${path}`] = merged;
    }
    for (const [kind, entries] of Object.entries((doc.components as Record<string, Record<string, unknown>>) ?? {})) {
      components[kind] ??= {};
      const target = components[kind];
      for (const [name, value] of Object.entries(entries ?? {})) target[`${meta.id}.${name}`] = rewrite(value, meta.id, openapi30);
    }
  }
  if (assets.some((a) => a.auth !== undefined)) {
    components.securitySchemes = { ...PLATFORM_SCHEMES, ...components.securitySchemes };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Switchboard',
      version: CORE_VERSION,
      description: 'Every asset loaded on this Switchboard platform, one tag per asset.',
    },
    servers: [{ url: publicUrl ?? '/' }],
    tags,
    paths,
    components,
  };
};

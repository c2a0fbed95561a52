/**
 * @module The `x-switchboard` extensions of a manifest: their JSON Schemas (the reference in docs/manifest.md
 * describes the same fields) and the typed metadata read from them.
 */
import { Ajv } from 'ajv';
import { toIssues } from '../validation/compile-operation.js';
import { LoadError } from './load-error.js';

export interface AssetMeta {
  id: string;
  title: string;
  version: string;
  category: string | null;
  coreVersion: string;
  basePath: string;
  /** JSON Schema of the plugin's configuration slice. */
  configSchema: Record<string, unknown> | null;
}

const ASSET_ID = '^[a-z][a-z0-9-]{1,31}$';

/** Asset ids of the core's own APIs. */
export const RESERVED_IDS = ['admin', 'developer', 'core', 'switchboard'];

/** Paths the core serves itself; no asset may live under them. */
export const RESERVED_PATHS = [
  '/docs',
  '/openapi.json',
  '/healthz',
  '/readyz',
  '/metrics',
  '/admin',
  '/developer',
  '/console',
  '/portal',
  '/auth',
];

export const INFO_EXTENSION_SCHEMA = {
  type: 'object',
  required: ['id', 'coreVersion'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: ASSET_ID, description: 'Asset id: lower-case, 2–32 characters, unique per platform' },
    title: { type: 'string', minLength: 1 },
    category: { type: 'string' },
    coreVersion: { type: 'string', minLength: 1, description: 'semver range of compatible core versions' },
    basePath: { type: 'string', pattern: '^(/[a-z0-9][a-z0-9._-]*)+$' },
    config: { type: 'object', description: 'JSON Schema of the plugin’s configuration slice' },
  },
} as const;

export const OPERATION_EXTENSION_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    scopes: { type: 'array', items: { type: 'string', pattern: '^[a-z][a-z0-9:._-]*$' }, uniqueItems: true },
    public: { type: 'boolean' },
    rateLimit: {
      type: 'object',
      additionalProperties: false,
      properties: { perSecond: { type: 'integer', minimum: 1 }, perMinute: { type: 'integer', minimum: 1 } },
    },
    timeoutMs: { type: 'integer', minimum: 1 },
    billable: { type: 'boolean' },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: false });
const checkInfo = ajv.compile(INFO_EXTENSION_SCHEMA);
const checkOperation = ajv.compile(OPERATION_EXTENSION_SCHEMA);

const fail = (file: string, at: string, errors: Parameters<typeof toIssues>[0]): never => {
  const [first, ...rest] = toIssues(errors, at);
  throw new LoadError('XSB_INVALID', file, first.pointer, `${first.message}${rest.length ? ` (and ${rest.length} more)` : ''}`);
};

/** Reads and checks `info.x-switchboard`. */
export const readAssetMeta = (doc: Record<string, unknown>, file: string, system = false): AssetMeta => {
  const info = (doc.info ?? {}) as Record<string, unknown>;
  const ext = info['x-switchboard'];
  if (ext === undefined) throw new LoadError('XSB_MISSING', file, '/info', 'add info.x-switchboard with at least id and coreVersion');
  if (!checkInfo(ext)) fail(file, '/info/x-switchboard', checkInfo.errors);
  const x = ext as {
    id: string;
    title?: string;
    category?: string;
    coreVersion: string;
    basePath?: string;
    config?: Record<string, unknown>;
  };
  if (!system && RESERVED_IDS.includes(x.id)) {
    throw new LoadError('XSB_INVALID', file, '/info/x-switchboard/id', `'${x.id}' is the id of one of the core's own APIs`);
  }
  const basePath = x.basePath ?? `/api/${x.id}`;
  // The core's own APIs (system plugins) are what the reserved paths are reserved for.
  const reserved = system ? undefined : RESERVED_PATHS.find((r) => basePath === r || basePath.startsWith(`${r}/`));
  if (reserved)
    throw new LoadError(
      'XSB_INVALID',
      file,
      '/info/x-switchboard/basePath',
      `'${basePath}' is inside '${reserved}', which the core serves`,
    );
  return {
    id: x.id,
    title: x.title ?? String(info.title ?? x.id),
    version: String(info.version ?? '0.0.0'),
    category: x.category ?? null,
    coreVersion: x.coreVersion,
    basePath,
    configSchema: x.config ?? null,
  };
};

/** Checks an operation's `x-switchboard` block. */
export const checkOperationExtension = (value: unknown, file: string, opPointer: string): void => {
  if (value !== undefined && !checkOperation(value)) fail(file, `${opPointer}/x-switchboard`, checkOperation.errors);
};

/**
 * @module Loads one plugin up to the point where it needs the database: imports the module, reads and checks the
 * manifest, checks the plugin's declarations, and compiles every operation's validators. Any failure is a
 * LoadError naming the file and the JSON pointer.
 */
import { pathToFileURL } from 'node:url';
import { isPluginDefinition, type PluginConfig, type PluginDefinition } from '@switchboard/sdk';
import { Ajv } from 'ajv';
import semver from 'semver';
import { findBrokenRefs } from '../openapi/resolve-ref.js';
import { validateDocument } from '../openapi/validate-document.js';
import { checkPatterns } from '../validation/check-patterns.js';
import { type CompiledOperation, compileOperation, HTTP_METHODS, type HttpMethod, toIssues } from '../validation/compile-operation.js';
import { createDocumentAjv } from '../validation/create-ajv.js';
import { CORE_VERSION } from '../version.js';
import { type AssetMeta, checkOperationExtension, readAssetMeta } from './asset-meta.js';
import { LoadError, pointer } from './load-error.js';
import { manifestPath, readManifest } from './read-manifest.js';
import { resolvePlugin } from './resolve-plugin.js';

export interface PreparedPlugin {
  specifier: string;
  moduleFile: string;
  manifestFile: string;
  definition: PluginDefinition;
  doc: Record<string, unknown>;
  meta: AssetMeta;
  operations: CompiledOperation[];
  config: PluginConfig;
  /** The document as published in /openapi.json when it differs from the routed `doc` (partner assets). */
  published?: Record<string, unknown>;
  /** Handlers get the raw request and answer with a Response of their own (partner proxies). */
  passthrough?: boolean;
}

/**
 * A plugin built in memory rather than imported: a partner asset (core/src/partners), whose definition proxies and
 * whose document was parsed, converted and normalized by its loader.
 */
export interface PluginSource {
  file: string;
  definition: PluginDefinition;
  doc: Record<string, unknown>;
  published?: Record<string, unknown>;
  /** Vendor format names to accept as documentation. */
  formats?: string[];
  /** Degrades a schema that cannot compile instead of failing the asset (see compileOperation). */
  onSchemaError?: (error: LoadError) => void;
}

export interface PrepareOptions {
  rootDir: string;
  /** A plugin of the core itself (the admin API): may live under reserved paths, gets operator auth. */
  system?: boolean;
  pluginConfig: Record<string, Record<string, unknown>>;
  /** Where each config slice came from, for CONFIG_INVALID errors. */
  configSources: Record<string, string>;
  compileResponses: boolean;
  /** Compile validators on first use or in the background (`VALIDATORS=lazy`) instead of while loading. */
  lazyValidators?: boolean;
  /** The plugin is already built (a partner asset): no module to import, no manifest to read. */
  source?: PluginSource;
}

const importDefinition = async (moduleFile: string): Promise<PluginDefinition> => {
  let mod: { default?: unknown };
  try {
    mod = await import(pathToFileURL(moduleFile).href);
  } catch (e) {
    throw new LoadError('PLUGIN_IMPORT_FAILED', moduleFile, '', (e as Error).message.split('\n')[0], { cause: e });
  }
  if (!isPluginDefinition(mod.default)) {
    throw new LoadError('PLUGIN_INVALID_EXPORT', moduleFile, '', 'export default definePlugin<operations>()({ ... })');
  }
  return mod.default;
};

/** Every (path, method) of the document with its operation object. */
export const listOperations = (doc: Record<string, unknown>) => {
  const out: { path: string; method: HttpMethod; op: Record<string, unknown> }[] = [];
  for (const [path, item] of Object.entries((doc.paths as Record<string, Record<string, unknown>>) ?? {})) {
    for (const method of HTTP_METHODS) {
      const op = item?.[method];
      if (op && typeof op === 'object') out.push({ path, method, op: op as Record<string, unknown> });
    }
  }
  return out;
};

/** `/notes/{id}` and `/notes/{noteId}` are one route: parameters are compared by position, not name. */
const routeKey = (method: string, path: string) => `${method} ${path.replace(/\{[^}]+\}/g, '{}')}`;

/** What plugins prepared earlier have claimed: asset ids and routes (full path shapes), each with its owner. */
export interface Claims {
  ids: Map<string, string>;
  routes: Map<string, string>;
}

export const newClaims = (): Claims => ({ ids: new Map(), routes: new Map() });

const checkOperations = (doc: Record<string, unknown>, file: string, basePath: string, claims: Claims): Map<string, string> => {
  const ids = new Map<string, string>();
  const routes = new Map<string, string>();
  for (const { path, method, op } of listOperations(doc)) {
    const at = pointer('paths', path, method);
    const id = op.operationId;
    if (typeof id !== 'string' || id === '')
      throw new LoadError('OPERATION_ID_MISSING', file, at, `${method.toUpperCase()} ${path} has no operationId`);
    const earlier = ids.get(id);
    if (earlier) throw new LoadError('OPERATION_ID_DUPLICATE', file, `${at}/operationId`, `'${id}' is also the operationId at ${earlier}`);
    ids.set(id, at);
    const key = routeKey(method, `${basePath}${path}`);
    const clash = routes.get(key);
    if (clash) throw new LoadError('ROUTE_CONFLICT', file, at, `same method and path shape as ${clash}`);
    const foreign = claims.routes.get(key);
    if (foreign)
      throw new LoadError('ROUTE_CONFLICT', file, at, `${method.toUpperCase()} ${basePath}${path} is already served by ${foreign}`);
    routes.set(key, at);
    checkOperationExtension(op['x-switchboard'], file, at);
  }
  return new Map([...routes].map(([key, at]) => [key, `${file}#${at}`]));
};

const checkConfig = (
  meta: AssetMeta,
  slice: Record<string, unknown> | undefined,
  options: PrepareOptions,
  manifestFile: string,
): PluginConfig => {
  const value = structuredClone(slice ?? {});
  if (meta.configSchema) {
    const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true, coerceTypes: false });
    let validate: ReturnType<Ajv['compile']>;
    try {
      validate = ajv.compile(meta.configSchema);
    } catch (e) {
      throw new LoadError('SCHEMA_COMPILE_FAILED', manifestFile, '/info/x-switchboard/config', (e as Error).message);
    }
    if (!validate(value)) {
      const [first] = toIssues(validate.errors, `/config/${meta.id}`);
      throw new LoadError('CONFIG_INVALID', options.configSources[meta.id] ?? 'environment', first.pointer, first.message);
    }
  }
  return Object.freeze(value);
};

const tableNameOf = (entity: { meta?: { tableName?: string; className?: string; collection?: string } }): string | undefined =>
  entity.meta?.tableName ?? entity.meta?.collection;

const checkDeclarations = (definition: PluginDefinition, meta: AssetMeta, moduleFile: string): void => {
  const prefix = `${meta.id.replace(/-/g, '_')}_`;
  (definition.entities ?? []).forEach((entity, i) => {
    const table = tableNameOf(entity as never);
    if (!table?.startsWith(prefix)) {
      throw new LoadError(
        'ENTITY_TABLE_PREFIX',
        moduleFile,
        `/entities/${i}`,
        `table '${table ?? '(derived from the class name)'}' must be named '${prefix}…'`,
      );
    }
  });
  (definition.migrations ?? []).forEach((m, i) => {
    if (typeof m?.name !== 'string' || m.name === '' || typeof m.class !== 'function') {
      throw new LoadError('MIGRATION_INVALID', moduleFile, `/migrations/${i}`, 'expected { name: string, class: Migration subclass }');
    }
  });
};

/**
 * Prepares one plugin; throws LoadError. `claims` holds what plugins prepared before it took; on success this
 * plugin's id and routes are added to it.
 */
export const preparePlugin = async (specifier: string, claims: Claims, options: PrepareOptions): Promise<PreparedPlugin> => {
  const { source } = options;
  const moduleFile = source ? source.file : resolvePlugin(specifier, options.rootDir);
  const definition = source ? source.definition : await importDefinition(moduleFile);
  const manifestFile = source ? source.file : manifestPath(definition.manifest);
  const doc = source ? source.doc : await readManifest(manifestFile);

  const version = doc.openapi;
  if (typeof version !== 'string' || !/^3\.[01]\.\d+/.test(version)) {
    const found = doc.swagger ? `Swagger ${doc.swagger}` : version ? `openapi ${String(version)}` : 'no openapi field';
    throw new LoadError(
      'MANIFEST_UNSUPPORTED_VERSION',
      manifestFile,
      doc.swagger ? '/swagger' : '/openapi',
      `expected OpenAPI 3.0.x or 3.1.x, found ${found}`,
    );
  }
  const problems = validateDocument(doc);
  if (problems.length > 0) {
    const more =
      problems.length > 1
        ? `; also ${problems
            .slice(1, 4)
            .map((p) => `${p.pointer}: ${p.message}`)
            .join('; ')}`
        : '';
    throw new LoadError('MANIFEST_INVALID', manifestFile, problems[0].pointer, `${problems[0].message}${more}`);
  }
  const broken = findBrokenRefs(doc)[0];
  if (broken) {
    const why = broken.ref.startsWith('#') ? 'points at nothing' : 'is external: bundle the document into one file';
    throw new LoadError('MANIFEST_UNRESOLVED_REF', manifestFile, broken.at, `$ref '${broken.ref}' ${why}`);
  }

  const meta = readAssetMeta(doc, manifestFile, options.system === true);
  if (!semver.validRange(meta.coreVersion)) {
    throw new LoadError('XSB_INVALID', manifestFile, '/info/x-switchboard/coreVersion', `'${meta.coreVersion}' is not a semver range`);
  }
  if (!semver.satisfies(CORE_VERSION, meta.coreVersion, { includePrerelease: true })) {
    throw new LoadError(
      'CORE_VERSION_MISMATCH',
      manifestFile,
      '/info/x-switchboard/coreVersion',
      `needs core ${meta.coreVersion}, this core is ${CORE_VERSION}`,
    );
  }
  const owner = claims.ids.get(meta.id);
  if (owner)
    throw new LoadError('DUPLICATE_ASSET_ID', manifestFile, '/info/x-switchboard/id', `'${meta.id}' is already the id of ${owner}`);

  const routes = checkOperations(doc, manifestFile, meta.basePath, claims);
  checkDeclarations(definition, meta, moduleFile);
  const config = checkConfig(meta, options.pluginConfig[meta.id], options, manifestFile);

  // Compiled lazily, the validators cannot report a bad schema now: check what usually breaks them instead.
  if (options.lazyValidators) checkPatterns(doc, manifestFile);
  const ajv = createDocumentAjv(doc, `urn:switchboard:asset:${meta.id}`, { formats: source?.formats, lazy: options.lazyValidators });
  const operations = listOperations(doc).map(({ path, method }) =>
    compileOperation(doc, ajv, path, method, {
      file: manifestFile,
      // A proxied response goes back as the upstream sent it: nothing to validate it with.
      compileResponses: options.compileResponses && !source,
      lazy: options.lazyValidators,
      onSchemaError: source?.onSchemaError,
    }),
  );
  claims.ids.set(meta.id, manifestFile);
  for (const [key, owner] of routes) claims.routes.set(key, owner);
  const built = source ? { published: source.published, passthrough: true } : {};
  return { specifier, moduleFile, manifestFile, definition, doc, meta, operations, config, ...built };
};

/**
 * @module Turns one partner document file into a PluginSource the core prepares and activates like any plugin:
 * parsed (YAML through the core's lenient fallback), converted from Swagger 2.0, its `x-switchboard` block taken
 * out, normalized, and given a synthetic plugin definition whose every handler is the proxy.
 */
import type { Logger, Metrics } from '@switchboard/sdk';
import { PLUGIN_BRAND, type PluginDefinition } from '@switchboard/sdk';
import swagger2openapi from 'swagger2openapi';
import { LoadError } from '../plugins/load-error.js';
import type { PluginSource } from '../plugins/prepare-plugin.js';
import { parseManifest, readManifest } from '../plugins/read-manifest.js';
import { hostGuard } from './host-guard.js';
import { createMock } from './mock.js';
import { normalizeDocument } from './normalize-document.js';
import { takePartnerMeta } from './partner-meta.js';
import { createProxy } from './proxy.js';

export interface ReadPartnerOptions {
  env: Record<string, string | undefined>;
  log: Logger;
  /** Upstream deadline when the document sets none (HTTP_TIMEOUT_MS). */
  defaultTimeoutMs: number;
  /**
   * `live` proxies to the upstream; `mock` answers from the document's examples and schemas. Overrides the
   * document's own setting (an operator's switch at runtime); absent, the document decides (default live).
   */
  mode?: 'live' | 'mock';
  /**
   * PARTNER_ALLOWED_HOSTS: host names, IPs and CIDRs that may be reached though not public. Absent or empty, an
   * upstream (and its token URL) must be public: a literal private address is a load error, a name resolving to
   * one fails its calls with 502 UPSTREAM_NOT_ALLOWED.
   */
  allowedHosts?: readonly string[];
  /** The partner metrics family for `/metrics` (upstream calls, latency, circuit state); absent, nothing is counted. */
  metrics?: Metrics;
  /**
   * Only `${NAME}` references starting with this may resolve (`PARTNER_` for documents uploaded at runtime: an
   * operator who may upload must not be able to send the server's own secrets to an upstream of their choice).
   */
  envPrefix?: string;
}

/** Swagger 2.0 → OpenAPI 3.0, in memory; `patch` fixes the small errors converters commonly meet. */
const convertSwagger = async (doc: Record<string, unknown>, file: string): Promise<Record<string, unknown>> => {
  try {
    const { openapi } = await swagger2openapi.convertObj(doc as never, { patch: true, warnOnly: true });
    return openapi as unknown as Record<string, unknown>;
  } catch (e) {
    throw new LoadError('MANIFEST_UNSUPPORTED_VERSION', file, '/swagger', `Swagger 2.0 conversion failed: ${(e as Error).message}`);
  }
};

/** Reads a partner document file (PARTNERS_DIR). */
export const readPartner = async (file: string, options: ReadPartnerOptions): Promise<PluginSource> =>
  partnerSource(await readManifest(file), file, options);

/**
 * Parses a document uploaded as text (admin API); `name` stands for the file in errors (`name.json` parses as
 * JSON, anything else as YAML, which JSON also is).
 */
export const readPartnerText = async (text: string, name: string, options: ReadPartnerOptions): Promise<PluginSource> =>
  partnerSource(parseManifest(text, name), name, options);

/** Turns a parsed partner document into a source; `file` names it in errors and logs. */
export const partnerSource = async (
  parsed: Record<string, unknown>,
  file: string,
  { env, log, defaultTimeoutMs, mode: modeOverride, allowedHosts, metrics, envPrefix }: ReadPartnerOptions,
): Promise<PluginSource> => {
  let doc = parsed;
  const hosts = hostGuard(allowedHosts);
  // Taken before conversion, which would otherwise have to carry it through.
  const meta = takePartnerMeta(doc, file, env, modeOverride, hosts, envPrefix);
  const mode = modeOverride ?? meta.mode;
  if (typeof doc.swagger === 'string' && doc.swagger.startsWith('2.')) doc = await convertSwagger(doc, file);
  const info = (doc.info ?? {}) as Record<string, unknown>;
  doc.info = { ...info, 'x-switchboard': meta.info };
  const { routed, published, repairs, formats, aliases } = normalizeDocument(doc);
  const id = meta.info.id;
  for (const r of repairs) log.warn({ asset: id, file, pointer: r.pointer }, `partner document repaired: ${r.message}`);
  for (const a of aliases) {
    const line = `${a.method.toUpperCase()} ${a.path} is routed as ${a.routedAs}`;
    // A `#fragment` variant is the vendor's way to document one URL twice; two plain paths of one shape are an error
    // of the document (OpenAPI forbids them), served as best it can be.
    if (a.fragment) log.info({ asset: id, file, operationId: a.operationId }, line);
    else log.warn({ asset: id, file, operationId: a.operationId }, `${line}: two paths of the same shape`);
  }
  const basePath = meta.info.basePath ?? `/api/${id}`;
  const operations: { operationId: string; operation: Record<string, unknown> }[] = [];
  for (const item of Object.values(routed.paths as Record<string, Record<string, { operationId: string }>>))
    for (const op of Object.values(item)) operations.push({ operationId: op.operationId, operation: op });
  let build: () => Record<string, unknown>;
  if (mode === 'mock') {
    log.info({ asset: id, file }, 'partner asset in mock mode: answers come from its document, not its upstream');
    build = () =>
      Object.fromEntries(
        operations.map(({ operationId, operation }) => [operationId, createMock({ doc: routed, operation, operationId })]),
      );
  } else {
    // takePartnerMeta refuses a live asset without an upstream.
    const upstream = meta.upstream as NonNullable<typeof meta.upstream>;
    const proxy = createProxy({ assetId: id, basePath, upstream, defaultTimeoutMs, log, hosts, metrics });
    build = () => Object.fromEntries(operations.map(({ operationId }) => [operationId, proxy]));
  }
  // Built once: the registry asks again for them to close a retired version's connections (partner-registry.ts).
  let built: Record<string, unknown> | undefined;
  const handlers = () => {
    built ??= build();
    return built;
  };
  const definition = { brand: PLUGIN_BRAND, manifest: file, handlers } as unknown as PluginDefinition;
  return {
    file,
    definition,
    doc: routed,
    published,
    formats,
    onSchemaError: (e) =>
      log.warn({ asset: id, file, pointer: e.pointer, code: e.code }, `partner schema not checked: ${e.message.split(' (')[0]}`),
  };
};

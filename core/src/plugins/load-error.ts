/**
 * @module Load-time errors: every way a plugin can fail to load, each with a stable code, the file at fault and the
 * JSON pointer inside it. One table, so operators can look a code up.
 */

export const LOAD_ERRORS = {
  PLUGIN_NOT_FOUND: 'The plugin could not be resolved as a path or an installed package',
  PLUGIN_IMPORT_FAILED: 'The plugin module threw while being imported',
  PLUGIN_INVALID_EXPORT: 'The module’s default export is not a definePlugin() result',
  MANIFEST_NOT_FOUND: 'The manifest file named by the plugin does not exist',
  MANIFEST_PARSE_ERROR: 'The manifest is not valid YAML or JSON',
  MANIFEST_UNSUPPORTED_VERSION: 'The manifest is not an OpenAPI 3.0 or 3.1 document',
  MANIFEST_INVALID: 'The manifest does not conform to the OpenAPI specification',
  MANIFEST_UNRESOLVED_REF: 'A $ref in the manifest points at nothing',
  XSB_MISSING: 'info.x-switchboard is missing',
  XSB_INVALID: 'An x-switchboard extension has a wrong shape or value',
  UPSTREAM_NOT_ALLOWED: 'A partner upstream or token URL is a non-public address that PARTNER_ALLOWED_HOSTS does not allow',
  CORE_VERSION_MISMATCH: 'The plugin requires a core version range this core does not satisfy',
  DUPLICATE_ASSET_ID: 'Another loaded plugin already uses this asset id',
  OPERATION_ID_MISSING: 'An operation has no operationId',
  OPERATION_ID_DUPLICATE: 'Two operations share one operationId',
  ROUTE_CONFLICT: 'Two operations map to the same method and path',
  HANDLER_WITHOUT_OPERATION: 'A handler is named after an operationId the manifest does not declare',
  OPERATION_WITHOUT_HANDLER: 'An operation of the manifest has no handler',
  SCHEMA_COMPILE_FAILED: 'A schema in the manifest cannot be compiled into a validator',
  CONFIG_INVALID: 'The plugin’s configuration slice does not match info.x-switchboard.config',
  UNKNOWN_DEPENDENCY: 'The plugin declares a dependency the core does not provide',
  ENTITY_TABLE_PREFIX: 'An entity’s table name does not start with the asset id',
  MIGRATION_INVALID: 'A migration entry has no stable name or no class',
  PLUGIN_START_FAILED: 'The plugin’s handlers() factory or its start hook threw',
} as const;

export type LoadErrorCode = keyof typeof LOAD_ERRORS;

/** Escapes one JSON pointer token (RFC 6901). */
export const pointerToken = (token: string | number): string => String(token).replace(/~/g, '~0').replace(/\//g, '~1');

/** Builds a JSON pointer from tokens: `pointer('paths', '/notes/{id}', 'get')` → `/paths/~1notes~1{id}/get`. */
export const pointer = (...tokens: (string | number)[]): string => tokens.map((t) => `/${pointerToken(t)}`).join('');

/** A plugin that cannot load. Reported at start; the plugin is left out and the others serve. */
export class LoadError extends Error {
  constructor(
    readonly code: LoadErrorCode,
    readonly file: string,
    readonly pointer: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${detail} (${file}${pointer ? `#${pointer}` : ''})`, options);
    this.name = 'LoadError';
  }

  toJSON() {
    return { code: this.code, file: this.file, pointer: this.pointer, message: this.message };
  }
}

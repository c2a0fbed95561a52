/**
 * @module Compiles one operation's validators at load: one for path + query + headers (with type coercion), one
 * for the JSON body, one per declared response. Nothing is compiled in the request path.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { deref } from '../openapi/resolve-ref.js';
import { LoadError, pointer } from '../plugins/load-error.js';
import type { DocumentAjv } from './create-ajv.js';
import { toJsonSchema } from './to-json-schema.js';

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: unknown;
  content?: Record<string, { schema?: unknown }>;
  style?: string;
  explode?: boolean;
}

/** One failing place of a request, as the problem+json `errors` member lists it. */
export interface ValidationIssue {
  /** JSON pointer into the request: `/body/title`, `/query/limit`, `/path/id`, `/headers/x-trace`. */
  pointer: string;
  message: string;
}

export interface CompiledBody {
  required: boolean;
  /** Declared media types, lower-case, without parameters. */
  mediaTypes: string[];
  /** The JSON media type to parse with, if one is declared. */
  json: boolean;
  validate?: ValidateFunction;
}

export interface CompiledOperation {
  operationId: string;
  method: HttpMethod;
  path: string;
  /** Where the operation is in its manifest. */
  pointer: string;
  /** Query parameters that take several values, and those sent comma-separated (`explode: false`). */
  queryArrays: Map<string, 'explode' | 'csv'>;
  hasQuery: boolean;
  /** Declared query parameter names. */
  queryNames: string[];
  /** Declared headers, lower-case. */
  headerNames: string[];
  /** `x-switchboard.timeoutMs`: answer 504 HANDLER_TIMEOUT past it. */
  timeoutMs?: number;
  validateParams?: ValidateFunction;
  body: CompiledBody | null;
  /** Response validators by status (`200`, `4XX`, `default`); compiled only when response validation is on. */
  /** By status (`200`, `2XX`, `DEFAULT`); `raw` when the first declared media type is not JSON (sent as is). */
  responses: Map<string, { mediaTypes: string[]; raw: boolean; validate?: ValidateFunction }>;
  /** The operation's `x-switchboard` settings. */
  settings: Record<string, unknown>;
  /** Compiles whatever is still compiled on first use (lazy mode); throws the `SCHEMA_COMPILE_FAILED` LoadError. */
  compileNow: () => void;
}

/**
 * A validator compiled on its first call. Compiling every schema of a large manifest is most of a cold start (Ajv
 * generates and evaluates code per schema); lazily, a platform serves at once and compiles in the background.
 */
const lazyValidator = (build: () => ValidateFunction, pending: (() => void)[]): ValidateFunction => {
  let fn: ValidateFunction | undefined;
  const ensure = () => {
    fn ??= build();
    return fn;
  };
  const wrapper = ((data: unknown) => {
    const v = ensure();
    const ok = v(data) as boolean;
    wrapper.errors = v.errors;
    return ok;
  }) as ValidateFunction;
  wrapper.errors = null;
  pending.push(ensure);
  return wrapper;
};

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/;

export const isJsonMediaType = (mt: string): boolean => JSON_TYPE.test(mt) || mt === '*/*';

const schemaOfParam = (p: ParameterObject): unknown => p.schema ?? Object.values(p.content ?? {})[0]?.schema ?? {};

/** Converts Ajv's errors into issues whose pointers say where in the request the problem is. */
export const toIssues = (errors: ErrorObject[] | null | undefined, prefix = ''): ValidationIssue[] =>
  (errors ?? []).map((e) => {
    let at = `${prefix}${e.instancePath}`;
    let message = e.message ?? e.keyword;
    if (e.keyword === 'required') {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      at = `${at}/${missing.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      message = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      at = `${at}/${extra.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      message = 'is not allowed';
    } else if (e.keyword === 'enum') {
      message = `must be one of: ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    }
    return { pointer: at || '/', message };
  });

export interface CompileOptions {
  file: string;
  compileResponses: boolean;
  /** Compile each validator on first use (or on `compileNow`) instead of now. */
  lazy?: boolean;
  /**
   * Degrade instead of failing: a schema Ajv cannot compile is reported here and validates nothing, so one broken
   * schema of a vendor's document (partner assets) does not take the whole API down. Plugins leave it unset.
   */
  onSchemaError?: (error: LoadError) => void;
}

/** Accepts anything: stands in for a schema that could not compile (see `onSchemaError`). */
const acceptAll = (() => true) as unknown as ValidateFunction;

/** Compiles an operation; a schema Ajv cannot compile is a `SCHEMA_COMPILE_FAILED` load error at its pointer. */
export const compileOperation = (
  doc: Record<string, unknown>,
  ajv: DocumentAjv,
  path: string,
  method: HttpMethod,
  { file, compileResponses, lazy = false, onSchemaError }: CompileOptions,
): CompiledOperation => {
  const pending: (() => void)[] = [];
  const later = (build: () => ValidateFunction): ValidateFunction => (lazy ? lazyValidator(build, pending) : build());
  const pathItem = deref(doc, (doc.paths as Record<string, Record<string, unknown>>)[path]);
  const op = pathItem[method] as Record<string, unknown>;
  const opPointer = pointer('paths', path, method);
  // The instance is picked inside the try: a lazily made one reports a bad components schema here, with a pointer.
  const compile = (kind: 'json' | 'responses' | 'params', schema: unknown, at: string): ValidateFunction => {
    try {
      return ajv[kind].compile(toJsonSchema(schema, ajv.docId, ajv.openapi30) as object);
    } catch (e) {
      const error = new LoadError('SCHEMA_COMPILE_FAILED', file, at, (e as Error).message);
      if (!onSchemaError) throw error;
      onSchemaError(error);
      return acceptAll;
    }
  };

  // Operation-level parameters override path-level ones with the same name and location.
  const params = new Map<string, { p: ParameterObject; at: string }>();
  const collect = (list: unknown, base: string) => {
    if (!Array.isArray(list)) return;
    list.forEach((raw, i) => {
      const p = deref<ParameterObject>(doc, raw as ParameterObject);
      if (p?.name && p.in) params.set(`${p.in}:${p.name}`, { p, at: `${base}/parameters/${i}` });
    });
  };
  collect(pathItem.parameters, pointer('paths', path));
  collect(op.parameters, opPointer);

  const groups: Record<'path' | 'query' | 'headers', { properties: Record<string, unknown>; required: string[] }> = {
    path: { properties: {}, required: [] },
    query: { properties: {}, required: [] },
    headers: { properties: {}, required: [] },
  };
  const queryArrays = new Map<string, 'explode' | 'csv'>();
  const headerNames: string[] = [];
  for (const { p } of params.values()) {
    if (p.in === 'cookie') continue;
    const group = p.in === 'header' ? 'headers' : p.in;
    // Header names are case-insensitive; openapi-typescript keys them lower-case, so the handler gets them so.
    const name = p.in === 'header' ? p.name.toLowerCase() : p.name;
    const schema = schemaOfParam(p);
    groups[group].properties[name] = schema;
    if (p.required || p.in === 'path') groups[group].required.push(name);
    if (p.in === 'header') headerNames.push(name);
    if (p.in === 'query' && (schema as { type?: unknown }).type === 'array') {
      queryArrays.set(name, p.explode === false ? 'csv' : 'explode');
    }
  }
  const hasParams = params.size > 0;
  // The parameters compile as one schema; when that fails, compile them one by one to point at the culprit.
  const compileParams = (): ValidateFunction => {
    try {
      return ajv.params.compile(toJsonSchema(paramsSchema, ajv.docId, ajv.openapi30) as object);
    } catch (e) {
      for (const { p, at } of params.values()) {
        const where =
          p.schema !== undefined ? `${at}/schema` : `${at}/content/${Object.keys(p.content ?? {})[0]?.replace(/\//g, '~1')}/schema`;
        // Degrading: only the culprit parameter stops being checked, the others keep their schemas.
        if (compile('params', schemaOfParam(p), where) === acceptAll) {
          const group = p.in === 'header' ? 'headers' : (p.in as 'path' | 'query');
          groups[group].properties[p.in === 'header' ? p.name.toLowerCase() : p.name] = {};
        }
      }
      if (onSchemaError) return compile('params', paramsSchema, `${opPointer}/parameters`);
      throw new LoadError('SCHEMA_COMPILE_FAILED', file, `${opPointer}/parameters`, (e as Error).message);
    }
  };
  const paramsSchema = {
    type: 'object',
    properties: Object.fromEntries(
      Object.entries(groups).map(([g, { properties, required }]) => [g, { type: 'object', properties, required }]),
    ),
  };

  let body: CompiledBody | null = null;
  if (op.requestBody) {
    const rb = deref<{ required?: boolean; content?: Record<string, { schema?: unknown }> }>(doc, op.requestBody as never);
    const content = rb.content ?? {};
    const mediaTypes = Object.keys(content).map((m) => m.split(';')[0].trim().toLowerCase());
    const jsonKey = Object.keys(content).find((m) => isJsonMediaType(m.split(';')[0].trim().toLowerCase()));
    const schema = jsonKey ? content[jsonKey].schema : undefined;
    body = {
      required: rb.required === true,
      mediaTypes,
      json: jsonKey !== undefined,
      validate: schema
        ? later(() => compile('json', schema, `${opPointer}/requestBody/content/${jsonKey?.replace(/\//g, '~1')}/schema`))
        : undefined,
    };
  }

  const responses = new Map<string, { mediaTypes: string[]; raw: boolean; validate?: ValidateFunction }>();
  for (const [status, raw] of Object.entries((op.responses as Record<string, unknown>) ?? {})) {
    const r = deref<{ content?: Record<string, { schema?: unknown }> }>(doc, raw as never) ?? {};
    const content = r.content ?? {};
    const jsonKey = Object.keys(content).find((m) => isJsonMediaType(m.split(';')[0].trim().toLowerCase()));
    const schema = jsonKey ? content[jsonKey].schema : undefined;
    const mediaTypes = Object.keys(content).map((m) => m.split(';')[0].trim().toLowerCase());
    responses.set(status.toUpperCase(), {
      mediaTypes,
      raw: mediaTypes.length > 0 && !isJsonMediaType(mediaTypes[0]),
      validate:
        compileResponses && schema
          ? later(() => compile('responses', schema, `${opPointer}/responses/${status}/content/${jsonKey?.replace(/\//g, '~1')}/schema`))
          : undefined,
    });
  }

  return {
    operationId: op.operationId as string,
    method,
    path,
    pointer: opPointer,
    queryArrays,
    hasQuery: Object.keys(groups.query.properties).length > 0,
    queryNames: Object.keys(groups.query.properties),
    timeoutMs: (op['x-switchboard'] as { timeoutMs?: number } | undefined)?.timeoutMs,
    headerNames,
    validateParams: hasParams ? later(compileParams) : undefined,
    body,
    responses,
    settings: (op['x-switchboard'] as Record<string, unknown>) ?? {},
    compileNow: () => {
      for (const ensure of pending) ensure();
    },
  };
};

/**
 * @module Makes a vendor's OpenAPI document servable as an asset without changing what it means: operationIds for
 * operations that have none, schemas repaired where Ajv cannot take them as written (each repair reported with its
 * pointer), `#fragment` path keys and literal-over-template paths turned into routes, and the document as published.
 */
import { pointer } from '../plugins/load-error.js';
import { HTTP_METHODS } from '../validation/compile-operation.js';

/** One repair or degradation, reported as a warning at load. */
export interface Repair {
  pointer: string;
  message: string;
}

export interface NormalizedDocument {
  /** What is routed and validated: one operation per method and path, literal paths before templated ones. */
  routed: Record<string, unknown>;
  /** What /openapi.json shows: the vendor's paths (fragments included), no security of the vendor's own. */
  published: Record<string, unknown>;
  repairs: Repair[];
  /** Every `format` the schemas use, so unknown vendor formats can be accepted as documentation. */
  formats: string[];
  /** Operations documented but not routed: a `#fragment` variant of a route another operation serves. */
  aliases: { operationId: string; path: string; method: string; routedAs: string; fragment: boolean }[];
}

const METHODS = new Set<string>(HTTP_METHODS);

const words = (s: string) => s.split(/[^A-Za-z0-9]+/).filter(Boolean);
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * The generated operationId of an operation that has none: the method, then each path segment in PascalCase, a
 * template as `By<Name>` — `GET /user/{userId}/requests` → `getUserByUserIdRequests`. It depends only on the method
 * and the path, so it is stable across loads and versions of the document; a clash gets `_2`, `_3`… in document order.
 */
export const generatedOperationId = (method: string, path: string): string => {
  const parts = path
    .split('#')[0]
    .split('/')
    .filter(Boolean)
    .map((seg) => seg.replace(/\{([^}]+)\}/g, (_, name: string) => ` By ${cap(words(name).map(cap).join(''))} `))
    .flatMap(words)
    .map(cap);
  return `${method.toLowerCase()}${parts.join('') || 'Root'}`;
};

const assignOperationIds = (paths: Record<string, Record<string, unknown>>) => {
  const taken = new Set<string>();
  for (const item of Object.values(paths))
    for (const [m, op] of Object.entries(item ?? {}))
      if (METHODS.has(m) && typeof (op as { operationId?: unknown })?.operationId === 'string')
        taken.add((op as { operationId: string }).operationId);
  for (const [path, item] of Object.entries(paths)) {
    for (const [m, op] of Object.entries(item ?? {})) {
      if (!METHODS.has(m) || typeof op !== 'object' || op === null) continue;
      const o = op as Record<string, unknown>;
      if (typeof o.operationId === 'string' && o.operationId !== '') continue;
      const base = generatedOperationId(m, path);
      let id = base;
      for (let n = 2; taken.has(id); n++) id = `${base}_${n}`;
      taken.add(id);
      o.operationId = id;
    }
  }
};

/** Values that are data, not schemas. */
const DATA_KEYS = new Set(['example', 'examples', 'enum', 'const', 'default']);
/** Keys whose value maps names (properties, media types, status codes…) to objects: its keys are not keywords. */
const NAME_MAPS = new Set([
  'properties',
  'patternProperties',
  '$defs',
  'definitions',
  'dependentSchemas',
  'paths',
  'webhooks',
  'callbacks',
  'responses',
  'content',
  'headers',
  'schemas',
  'parameters',
  'requestBodies',
  'securitySchemes',
  'links',
  'encoding',
  'mapping',
]);

/**
 * `\:` and other escapes of characters that need none are legal in JavaScript regular expressions without the `u`
 * flag, which vendors test with, but not with it, which Ajv uses. Dropping such a backslash keeps the meaning.
 */
const unicodeSafe = (pattern: string): string | null => {
  const fixed = pattern.replace(/\\([^A-Za-z0-9^$\\.*+?()[\]{}|/-])/g, '$1');
  try {
    new RegExp(fixed, 'u');
    return fixed;
  } catch {
    return null;
  }
};

/** Repairs, in place, what Ajv would refuse in schemas; returns what was done and the formats seen. */
const repairSchemas = (doc: Record<string, unknown>): { repairs: Repair[]; formats: Set<string> } => {
  const repairs: Repair[] = [];
  const formats = new Set<string>();
  const walk = (node: unknown, at: string[], nameMap: boolean): void => {
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) walk(node[i], [...at, String(i)], false);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const o = node as Record<string, unknown>;
    if (nameMap) {
      for (const [k, v] of Object.entries(o)) walk(v, [...at, k], false);
      return;
    }
    if (typeof o.format === 'string') formats.add(o.format);
    if (typeof o.pattern === 'string') {
      try {
        new RegExp(o.pattern, 'u');
      } catch {
        const fixed = unicodeSafe(o.pattern);
        const where = pointer(...at, 'pattern');
        if (fixed !== null) {
          repairs.push({
            pointer: where,
            message: `pattern ${JSON.stringify(o.pattern)} rewritten as ${JSON.stringify(fixed)} for Unicode mode`,
          });
          o.pattern = fixed;
        } else {
          repairs.push({ pointer: where, message: `pattern ${JSON.stringify(o.pattern)} is not a valid regular expression: not checked` });
          delete o.pattern;
        }
      }
    }
    if (Array.isArray(o.enum) && o.enum.length === 0) {
      // An empty enum would refuse every value; the vendor surely did not mean that, and Ajv refuses the schema.
      repairs.push({ pointer: pointer(...at, 'enum'), message: 'empty enum: not checked' });
      delete o.enum;
    }
    const discriminator = o.discriminator as { mapping?: unknown } | undefined;
    if (discriminator && typeof discriminator === 'object' && discriminator.mapping !== undefined) {
      // Ajv cannot use a mapping. Without the discriminator, overlapping branches would fail `oneOf` for matching
      // twice, so the union is checked as `anyOf`: a little looser, never refusing what the vendor accepts.
      repairs.push({ pointer: pointer(...at, 'discriminator'), message: 'discriminator with mapping: union checked as anyOf' });
      delete o.discriminator;
      if (Array.isArray(o.oneOf)) {
        o.anyOf = o.oneOf;
        delete o.oneOf;
      }
    }
    if (o.nullable === false && o.type === undefined) {
      // Says nothing (null is not allowed anyway without `nullable`), yet Ajv refuses it without a type.
      repairs.push({ pointer: pointer(...at, 'nullable'), message: '`nullable: false` without `type`: dropped' });
      delete o.nullable;
    }
    if (o.nullable === true && o.type === undefined) {
      // Ajv needs a type next to `nullable`; "this schema, or null" says the same without one.
      repairs.push({ pointer: pointer(...at, 'nullable'), message: '`nullable` without `type`: rewritten as anyOf [schema, null]' });
      const rest = { ...o };
      delete rest.nullable;
      for (const k of Object.keys(o)) delete o[k];
      o.anyOf = [rest, { enum: [null] }];
      walk(rest, [...at, 'anyOf', '0'], false);
      return;
    }
    for (const [k, v] of Object.entries(o)) {
      if (DATA_KEYS.has(k) || k.startsWith('x-')) continue;
      walk(v, [...at, k], NAME_MAPS.has(k));
    }
  };
  walk(doc, [], false);
  return { repairs, formats };
};

/** Segment kinds of a path (0 literal, 1 template): routes are registered literal-first so `@me` wins over `{id}`. */
const kinds = (path: string) => path.split('/').map((seg) => (seg.includes('{') ? 1 : 0));
const bySpecificity = (a: string, b: string): number => {
  const ka = kinds(a);
  const kb = kinds(b);
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) if (ka[i] !== kb[i]) return ka[i] - kb[i];
  return 0;
};

const routeShape = (method: string, path: string) => `${method} ${path.replace(/\{[^}]+\}/g, '{}')}`;

/**
 * Builds the routed paths. A `#fragment` key (Box: `/files/{file_id}#add_shared_link`) documents another use of
 * the same URL: it is routed at the URL without its fragment, unless another operation already serves that method
 * and URL — then the plain operation (or else the first in document order) is routed and the others are aliases,
 * still published. Path-level parameters move into each operation, since items are regrouped.
 */
const routePaths = (paths: Record<string, Record<string, unknown>>, aliases: NormalizedDocument['aliases']) => {
  const candidates: { path: string; method: string; op: Record<string, unknown>; fragment: boolean }[] = [];
  for (const [key, item] of Object.entries(paths)) {
    const path = key.split('#')[0];
    for (const [method, op] of Object.entries(item ?? {})) {
      if (!METHODS.has(method) || typeof op !== 'object' || op === null) continue;
      const own = (op as { parameters?: unknown[] }).parameters ?? [];
      const shared = (item.parameters as unknown[] | undefined) ?? [];
      const merged = shared.length > 0 ? { ...(op as object), parameters: [...shared, ...own] } : (op as Record<string, unknown>);
      candidates.push({ path, method, op: merged as Record<string, unknown>, fragment: key.includes('#') });
    }
  }
  const winners = new Map<string, (typeof candidates)[number]>();
  for (const c of candidates) {
    const shape = routeShape(c.method, c.path);
    const held = winners.get(shape);
    if (!held || (held.fragment && !c.fragment)) winners.set(shape, c);
  }
  const routed: Record<string, Record<string, unknown>> = {};
  for (const c of candidates) {
    const winner = winners.get(routeShape(c.method, c.path));
    if (winner !== c) {
      aliases.push({
        operationId: c.op.operationId as string,
        path: c.path,
        method: c.method,
        routedAs: winner?.op.operationId as string,
        fragment: c.fragment,
      });
      continue;
    }
    routed[c.path] ??= {};
    routed[c.path][c.method] = c.op;
  }
  const ordered = Object.keys(routed).sort(bySpecificity);
  return Object.fromEntries(ordered.map((p) => [p, routed[p]]));
};

/** The vendor's own security is the platform's business now (it injects the upstream's credentials). */
const withoutSecurity = (doc: Record<string, unknown>): Record<string, unknown> => {
  const paths: Record<string, unknown> = {};
  for (const [key, item] of Object.entries((doc.paths as Record<string, Record<string, unknown>>) ?? {})) {
    paths[key] = Object.fromEntries(
      Object.entries(item ?? {}).map(([m, op]) => {
        if (!METHODS.has(m) || typeof op !== 'object' || op === null) return [m, op];
        const { security: _security, ...rest } = op as Record<string, unknown>;
        return [m, rest];
      }),
    );
  }
  const { security: _security, ...rest } = doc;
  const components = { ...((doc.components as Record<string, unknown>) ?? {}) };
  delete components.securitySchemes;
  return { ...rest, paths, components };
};

/** Normalizes a parsed (and, from Swagger 2.0, converted) document in place; see the module comment. */
export const normalizeDocument = (doc: Record<string, unknown>): NormalizedDocument => {
  const paths = (doc.paths ?? {}) as Record<string, Record<string, unknown>>;
  assignOperationIds(paths);
  const { repairs, formats } = repairSchemas(doc);
  const aliases: NormalizedDocument['aliases'] = [];
  const routed = { ...doc, paths: routePaths(paths, aliases) };
  return { routed, published: withoutSecurity(doc), repairs, formats: [...formats], aliases };
};

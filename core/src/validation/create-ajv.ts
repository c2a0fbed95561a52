/** @module Ajv instances for one OpenAPI document: formats, OpenAPI keywords, the document's components registered. */
import { Ajv, type Options } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { toJsonSchema } from './to-json-schema.js';

const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };

/** OpenAPI's own formats, on top of ajv-formats' JSON Schema ones. Unknown vendor formats are accepted as-is. */
const addOpenApiFormats = (ajv: Ajv) => {
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= INT32.min && n <= INT32.max });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('float', { type: 'number', validate: () => true });
  ajv.addFormat('double', { type: 'number', validate: () => true });
  ajv.addFormat('byte', /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/);
  ajv.addFormat('binary', true);
  ajv.addFormat('password', true);
};

export interface DocumentAjv {
  /** Strictly typed values, defaults filled in: JSON request bodies. */
  json: Ajv;
  /** Strictly typed values, nothing filled in (a response is checked, never changed): responses. */
  responses: Ajv;
  /** Coerces strings to the declared types: path, query and header parameters. */
  params: Ajv;
  docId: string;
  openapi30: boolean;
}

/**
 * Creates the two Ajv instances of a document and registers its `components` under `docId`, so every operation's
 * validators share one compiled copy of each referenced schema.
 */
export const createDocumentAjv = (
  doc: Record<string, unknown>,
  docId: string,
  {
    formats = [],
  }: { /** Further format names accepted as documentation (a partner document's vendor formats). */ formats?: string[] } = {},
): DocumentAjv => {
  const openapi30 = !String(doc.openapi).startsWith('3.1');
  const base: Options = {
    allErrors: true,
    strict: false,
    discriminator: true,
    // Unknown vendor formats (`snowflake`, `uint64`) are documentation, not constraints.
    validateFormats: true,
    formats: {},
    code: { optimize: 1 },
  };
  const make = (opts: Options): Ajv => {
    const ajv = openapi30 ? new Ajv(opts) : (new Ajv2020(opts) as unknown as Ajv);
    addFormats.default(ajv);
    addOpenApiFormats(ajv);
    // Registered as no-ops so Ajv neither fails nor warns once per schema about formats it does not know.
    for (const name of formats) if (!ajv.formats[name]) ajv.addFormat(name, true);
    ajv.addVocabulary(['discriminator'].filter((k) => !ajv.getKeyword(k)));
    const components = toJsonSchema({ components: doc.components ?? {} }, docId, openapi30);
    ajv.addSchema({ $id: docId, ...(components as object) });
    return ajv;
  };
  return {
    json: make({ ...base, useDefaults: true }),
    responses: make(base),
    params: make({ ...base, coerceTypes: 'array', useDefaults: true }),
    docId,
    openapi30,
  };
};

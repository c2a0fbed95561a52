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
 * Creates the three Ajv instances of a document and registers its `components` under `docId`, so every operation's
 * validators share one compiled copy of each referenced schema.
 */
export const createDocumentAjv = (
  doc: Record<string, unknown>,
  docId: string,
  {
    formats = [],
    lazy = false,
  }: {
    /** Further format names accepted as documentation (a partner document's vendor formats). */
    formats?: string[];
    /**
     * Make each instance on first use rather than now. Each costs 5–10 ms (Ajv compiles its meta-schema to check
     * the components): with lazy validators that moves out of the start-up path, and the response instance is
     * never made where responses are not validated (production). Its errors then surface when a validator compiles.
     */
    lazy?: boolean;
  } = {},
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
  const once = (opts: Options): (() => Ajv) => {
    let made: Ajv | undefined;
    return () => {
      made ??= make(opts);
      return made;
    };
  };
  const json = once({ ...base, useDefaults: true });
  const responses = once(base);
  const params = once({ ...base, coerceTypes: 'array', useDefaults: true });
  if (!lazy) for (const instance of [json, responses, params]) instance();
  return {
    get json() {
      return json();
    },
    get responses() {
      return responses();
    },
    get params() {
      return params();
    },
    docId,
    openapi30,
  };
};

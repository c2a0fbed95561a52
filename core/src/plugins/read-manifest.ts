/** @module Reads a manifest file (YAML or JSON) into a plain object, with the line of a parse error. */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CORE_SCHEMA, load as loadYaml } from 'js-yaml';
import { parseDocument } from 'yaml';
import { LoadError } from './load-error.js';

/** Turns the `manifest` field of a plugin (a `file:` URL or a path) into an absolute path. */
export const manifestPath = (manifest: URL | string): string =>
  manifest instanceof URL ? fileURLToPath(manifest) : manifest.startsWith('file:') ? fileURLToPath(manifest) : manifest;

/**
 * How many values a document may expand to. YAML aliases are shared references: a kilobyte of nested anchors can
 * stand for billions of values, which the first serialization (`/openapi.json`, a mock answer) would try to build.
 * The largest real document in the corpus has about 70 000.
 */
export const MAX_DOCUMENT_VALUES = 1_000_000;

/** Counts the values under `node`, aliases counted each time they are used; stops past the limit. */
const tooLarge = (node: unknown): boolean => {
  let count = 0;
  const stack: unknown[] = [node];
  while (stack.length > 0) {
    const n = stack.pop();
    if (++count > MAX_DOCUMENT_VALUES) return true;
    if (Array.isArray(n)) for (const v of n) stack.push(v);
    else if (typeof n === 'object' && n !== null) for (const k in n) stack.push((n as Record<string, unknown>)[k]);
  }
  return false;
};

const bounded = (doc: Record<string, unknown>, file: string): Record<string, unknown> => {
  if (tooLarge(doc)) {
    throw new LoadError(
      'MANIFEST_PARSE_ERROR',
      file,
      '',
      `the document expands to more than ${MAX_DOCUMENT_VALUES} values (deeply nested YAML aliases?)`,
    );
  }
  return doc;
};

/** Parses a YAML or JSON document (JSON is YAML). Throws `LoadError` with the position of the first error. */
export const parseManifest = (text: string, file: string): Record<string, unknown> => bounded(parseText(text, file), file);

const parseText = (text: string, file: string): Record<string, unknown> => {
  if (file.endsWith('.json')) {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new LoadError('MANIFEST_PARSE_ERROR', file, '', (e as Error).message);
    }
  }
  // js-yaml first: about 5x faster on a large manifest, which is most of a cold start's parsing (docs/benchmarks.md).
  // `json: true` lets a repeated key override as real vendor documents need. What it rejects goes to `yaml`, which
  // is lenient where it may be and says where the error is when there is one.
  try {
    // The core schema, like `yaml`'s default: no timestamps (an unquoted date stays a string), no merge keys.
    const fast = loadYaml(text, { json: true, schema: CORE_SCHEMA });
    if (typeof fast === 'object' && fast !== null && !Array.isArray(fast)) return fast as Record<string, unknown>;
  } catch {
    // fall through to the precise parser
  }
  // `uniqueKeys: false` and a generous alias budget: real vendor documents repeat keys and use anchors.
  const doc = parseDocument(text, { uniqueKeys: false });
  const err = doc.errors[0];
  if (err) {
    const where = err.linePos?.[0] ? ` at line ${err.linePos[0].line}, column ${err.linePos[0].col}` : '';
    throw new LoadError('MANIFEST_PARSE_ERROR', file, '', `${err.message.split('\n')[0]}${where}`);
  }
  const value = doc.toJS({ maxAliasCount: -1 });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new LoadError('MANIFEST_PARSE_ERROR', file, '', 'expected a mapping at the top level');
  }
  return value as Record<string, unknown>;
};

/** Reads and parses the manifest at `file`. */
export const readManifest = async (file: string): Promise<Record<string, unknown>> => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new LoadError('MANIFEST_NOT_FOUND', file, '', (e as NodeJS.ErrnoException).code ?? (e as Error).message);
  }
  return parseManifest(text, file);
};

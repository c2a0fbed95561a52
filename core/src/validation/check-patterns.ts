/**
 * @module The load-time check that stays when validators compile lazily: every `pattern` in the document must be a
 * regular expression Ajv can build (with the `u` flag, as Ajv does). A bad pattern is the usual reason a schema
 * does not compile, and found here it stops the plugin at start with its exact pointer, as eager compiling would.
 */
import { LoadError, pointer } from '../plugins/load-error.js';

/** Values that are data, not schemas: a `pattern` key inside them is not a schema keyword. */
const DATA_KEYS = new Set(['example', 'examples', 'enum', 'const', 'default']);

export const checkPatterns = (doc: Record<string, unknown>, file: string): void => {
  const walk = (node: unknown, path: string[]): void => {
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) walk(node[i], [...path, String(i)]);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    for (const [k, v] of Object.entries(node)) {
      if (DATA_KEYS.has(k) || k.startsWith('x-')) continue;
      if (k === 'pattern' && typeof v === 'string') {
        try {
          new RegExp(v, 'u');
        } catch (e) {
          throw new LoadError('SCHEMA_COMPILE_FAILED', file, pointer(...path), `pattern ${JSON.stringify(v)}: ${(e as Error).message}`);
        }
      } else walk(v, [...path, k]);
    }
  };
  walk(doc, []);
};

/** @module Follows local `$ref`s of non-schema objects (parameters, request bodies, responses) to their target. */

/** Reads a local JSON pointer (`#/components/x`) in `doc`; undefined when it points at nothing. */
export const readPointer = (doc: unknown, ref: string): unknown => {
  if (!ref.startsWith('#')) return undefined;
  let node: unknown = doc;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const token = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || !(token in node)) return undefined;
    node = (node as Record<string, unknown>)[token];
  }
  return node;
};

/** Follows a chain of `$ref`s (at most 20 hops, so a cycle cannot hang the loader). */
export const deref = <T>(doc: unknown, value: T): T => {
  let node: unknown = value;
  for (let hops = 0; hops < 20; hops++) {
    const ref = (node as { $ref?: unknown } | null)?.$ref;
    if (typeof ref !== 'string') return node as T;
    node = readPointer(doc, ref);
  }
  return node as T;
};

/** Every local `$ref` in the document that points at nothing, with the pointer of the `$ref` itself. */
export const findBrokenRefs = (doc: unknown): { at: string; ref: string }[] => {
  const broken: { at: string; ref: string }[] = [];
  const walk = (node: unknown, at: string) => {
    if (Array.isArray(node)) {
      for (const [i, n] of node.entries()) walk(n, `${at}/${i}`);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    for (const [k, v] of Object.entries(node)) {
      const here = `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (k === '$ref' && typeof v === 'string') {
        if (!v.startsWith('#') || readPointer(doc, v) === undefined) broken.push({ at: here, ref: v });
      } else walk(v, here);
    }
  };
  walk(doc, '');
  return broken;
};

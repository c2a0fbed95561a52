/**
 * @module Values a schema lets through but nothing downstream can store: numbers that are not finite (`1e309` is a
 * valid JSON number and a valid path parameter, and Ajv's `integer` accepts Infinity) and strings holding NUL
 * characters (C-string drivers and SQLite cut or refuse them). Found by fuzzing; answered 400, never passed on.
 */
import type { ValidationIssue } from './compile-operation.js';

const MAX_DEPTH = 64;

/** The first unsafe value under `value`, as an issue pointing at it; undefined when there is none. */
export const unsafeValue = (value: unknown, pointer: string, depth = 0): ValidationIssue | undefined => {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : { pointer, message: 'must be a finite number' };
  if (typeof value === 'string') return value.includes('\u0000') ? { pointer, message: 'must not contain NUL characters' } : undefined;
  if (typeof value !== 'object' || value === null || depth >= MAX_DEPTH) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = unsafeValue(value[i], `${pointer}/${i}`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const key in value as Record<string, unknown>) {
    const at = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (key.includes('\u0000')) return { pointer: at, message: 'must not contain NUL characters' };
    const found = unsafeValue((value as Record<string, unknown>)[key], at, depth + 1);
    if (found) return found;
  }
  return undefined;
};

/**
 * @module Values a schema lets through but nothing downstream can store: numbers that are not finite (`1e309` is a
 * valid JSON number and a valid path parameter, and Ajv's `integer` accepts Infinity) and strings holding NUL
 * characters (C-string drivers and SQLite cut or refuse them). Found by fuzzing; answered 400, never passed on.
 */
import type { ValidationIssue } from './compile-operation.js';

const MAX_DEPTH = 64;

/** Whether everything under `value` is safe. Builds no strings: this runs on every request. */
const isSafe = (value: unknown, depth: number): boolean => {
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value === 'string') return !value.includes('\u0000');
  if (typeof value !== 'object' || value === null || depth >= MAX_DEPTH) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!isSafe(value[i], depth + 1)) return false;
    return true;
  }
  for (const key in value as Record<string, unknown>) {
    if (key.includes('\u0000') || !isSafe((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
};

/** Where the first unsafe value is, for the answer: only called once `isSafe` said there is one. */
const locate = (value: unknown, pointer: string, depth: number): ValidationIssue | undefined => {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : { pointer, message: 'must be a finite number' };
  if (typeof value === 'string') return value.includes('\u0000') ? { pointer, message: 'must not contain NUL characters' } : undefined;
  if (typeof value !== 'object' || value === null || depth >= MAX_DEPTH) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = locate(value[i], `${pointer}/${i}`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const key in value as Record<string, unknown>) {
    const at = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (key.includes('\u0000')) return { pointer: at, message: 'must not contain NUL characters' };
    const found = locate((value as Record<string, unknown>)[key], at, depth + 1);
    if (found) return found;
  }
  return undefined;
};

/** The first unsafe value under `value`, as an issue pointing at it; undefined when there is none. */
export const unsafeValue = (value: unknown, pointer: string): ValidationIssue | undefined =>
  isSafe(value, 0) ? undefined : locate(value, pointer, 0);

/** Whether a flat record of parameters holds a number that is not finite (or an array with one). */
export const hasNonFinite = (params: Record<string, unknown>): boolean => {
  for (const key in params) {
    const v = params[key];
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return true;
    } else if (Array.isArray(v)) {
      for (const item of v) if (typeof item === 'number' && !Number.isFinite(item)) return true;
    }
  }
  return false;
};

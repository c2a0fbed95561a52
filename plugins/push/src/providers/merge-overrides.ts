/** @module Deep merge for platform override blocks: objects merge, other values replace, `null` removes a key. */

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

/**
 * Returns a new object; neither argument is changed (one notification object is shared by many recipients).
 *
 * @example
 * mergeOverrides({ notification: { sound: 'a', tag: 't' } }, { notification: { sound: null } }) // { notification: { tag: 't' } }
 */
export const mergeOverrides = <T extends Record<string, unknown>>(base: T, override: Record<string, unknown> | undefined): T => {
  if (!override) return base;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    // Keys like __proto__ in uploaded JSON must not reach an object's prototype.
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    if (value === null) delete out[key];
    else if (isPlainObject(value) && isPlainObject(out[key])) out[key] = mergeOverrides(out[key] as Record<string, unknown>, value);
    else if (isPlainObject(value)) out[key] = mergeOverrides({}, value);
    else if (value !== undefined) out[key] = value;
  }
  return out as T;
};

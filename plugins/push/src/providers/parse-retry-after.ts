/** @module Reads an HTTP Retry-After value (delta seconds or an HTTP date) as milliseconds from now. */

export const parseRetryAfter = (value: unknown, nowMs = Date.now()): number | undefined => {
  const raw = Array.isArray(value) ? value[0] : value;
  if (typeof raw === 'number' && Number.isFinite(raw) && raw >= 0) return raw * 1000;
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  if (/^\d+$/.test(raw.trim())) return Number(raw.trim()) * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
};

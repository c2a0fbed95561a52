/** @module Opaque page cursors: the last row's sort key, base64url-encoded so clients do not build them. */
import { InputError } from '@switchboard/sdk';

export const encodeCursor = (key: string | number): string => Buffer.from(JSON.stringify([key])).toString('base64url');

/** Throws INVALID_CURSOR (400) for anything this module did not produce. */
export const decodeCursor = <T extends string | number>(cursor: string | undefined, type: 'string' | 'number'): T | undefined => {
  if (!cursor) return undefined;
  try {
    const [key] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof key === type) return key as T;
  } catch {
    // fall through
  }
  throw new InputError('The cursor is not one this API returned', { code: 'INVALID_CURSOR', details: { pointer: '/query/cursor' } });
};

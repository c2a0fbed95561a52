/** @module Public ids that sort by creation time: `<prefix>_<ms, base36, 9 chars><12 random base36 chars>`. */
import { randomBytes } from 'node:crypto';

/**
 * Time first so `ORDER BY id` is creation order and a cursor is simply the last id; random after so ids are not
 * guessable and two replicas never collide.
 *
 * @example
 * newId('dev') // 'dev_mi3k2q1z0a8f3k2p9x1q7'
 */
export const newId = (prefix: string, now = Date.now()): string => {
  const time = now.toString(36).padStart(9, '0');
  const rand = Array.from(randomBytes(12), (b) => (b % 36).toString(36)).join('');
  return `${prefix}_${time}${rand}`;
};

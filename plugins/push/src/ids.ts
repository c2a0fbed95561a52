/**
 * @module Public ids that sort by creation time: `<prefix>_<ms, base36, 9 chars><sequence within the ms, 4 chars>
 * <8 random base36 chars>`.
 */
import { randomBytes } from 'node:crypto';

let lastMs = 0;
let sequence = 0;

/**
 * Time first so `ORDER BY id` is creation order and a cursor is simply the last id; then a counter, so two ids made
 * in the same millisecond by this process still sort in the order they were made (with a fast database, two device
 * registrations in a row share a millisecond); random last so ids are not guessable and two replicas never collide.
 *
 * @example
 * newId('dev') // 'dev_mi3k2q1z00000a8f3k2p9'
 */
export const newId = (prefix: string, now = Date.now()): string => {
  if (now === lastMs) sequence++;
  else {
    // A time before the last one (an explicit `now`, or the clock stepping back) starts its own sequence.
    sequence = 0;
    if (now > lastMs) lastMs = now;
  }
  const time = now.toString(36).padStart(9, '0');
  const seq = (sequence % 36 ** 4).toString(36).padStart(4, '0');
  const rand = Array.from(randomBytes(8), (b) => (b % 36).toString(36)).join('');
  return `${prefix}_${time}${seq}${rand}`;
};

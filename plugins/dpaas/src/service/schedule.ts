/** @module When a snapshot policy is next due (UTC): the first slot strictly after a moment. */
import type { PolicyFrequency } from '../entities/snapshot-policy.js';

export interface PolicySlot {
  frequency: PolicyFrequency;
  minute: number;
  hour: number;
  dayOfWeek: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * @example nextRunAfter({ frequency: 'daily', minute: 30, hour: 2, dayOfWeek: 0 }, new Date('2026-11-25T10:00:00Z'))
 * // 2026-11-26T02:30:00.000Z
 */
export const nextRunAfter = (slot: PolicySlot, after: Date): Date => {
  const t = after.getTime();
  const day = Date.UTC(after.getUTCFullYear(), after.getUTCMonth(), after.getUTCDate());
  let candidate: number;
  let step: number;
  if (slot.frequency === 'hourly') {
    candidate = day + after.getUTCHours() * HOUR + slot.minute * 60_000;
    step = HOUR;
  } else {
    candidate = day + slot.hour * HOUR + slot.minute * 60_000;
    step = slot.frequency === 'daily' ? DAY : 7 * DAY;
    if (slot.frequency === 'weekly') candidate += ((slot.dayOfWeek - after.getUTCDay() + 7) % 7) * DAY;
  }
  while (candidate <= t) candidate += step;
  return new Date(candidate);
};

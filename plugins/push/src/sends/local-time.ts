/** @module Wall-clock times in a time zone: "9:00 in each device's own time zone" as an instant, with Intl only. */
import { InputError } from '@switchboard/sdk';

const formatters = new Map<string, Intl.DateTimeFormat>();

const formatter = (timeZone: string): Intl.DateTimeFormat => {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
};

/** True for an IANA zone name this runtime knows. */
export const isTimeZone = (timeZone: string): boolean => {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
};

export const assertTimeZone = (timeZone: string, pointer: string): void => {
  if (!isTimeZone(timeZone))
    throw new InputError(`'${timeZone}' is not an IANA time zone`, { code: 'INVALID_TIME_ZONE', details: { pointer } });
};

/** The zone's offset from UTC at an instant, in ms. */
const offsetAt = (timeZone: string, instantMs: number): number => {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(new Date(instantMs))
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  return asUtc - Math.floor(instantMs / 1000) * 1000;
};

/**
 * The instant at which clocks in `timeZone` show `local` (`YYYY-MM-DDTHH:mm[:ss]`). Two passes settle the offset
 * around DST changes; a time skipped by a DST jump lands just after it.
 *
 * @example
 * zonedTimeToUtc('2026-12-01T09:00', 'Europe/Paris') // 2026-12-01T08:00:00.000Z
 */
export const zonedTimeToUtc = (local: string, timeZone: string): Date => {
  const [date, time] = local.split('T');
  const [y, mo, d] = date.split('-').map(Number);
  const [h, mi, s = 0] = time.split(':').map(Number);
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  let guess = wall - offsetAt(timeZone, wall);
  guess = wall - offsetAt(timeZone, guess);
  return new Date(guess);
};

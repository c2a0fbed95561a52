/** @module Turns a send's target into the device snapshot it goes to, paging through the registry by id. */
import { type Database, InputError } from '@switchboard/sdk';
import { PushDevice } from '../entities/device.js';
import type { components } from '../generated/openapi.js';
import type { PushPlatform } from '../providers/index.js';
import { compileTagExpression } from '../tag-expression.js';

export interface RecipientSnapshot {
  deviceId: string | null;
  token: string;
  platform: PushPlatform;
  locale: string | null;
  timeZone: string | null;
}

type Target = components['schemas']['Target'];

const PAGE = 5000;
const KINDS = ['token', 'deviceIds', 'userId', 'tags', 'all'] as const;

/** Exactly one way of targeting; `platform` only goes with `token`. */
export const targetKind = (target: Target): (typeof KINDS)[number] => {
  const given = KINDS.filter((k) => target[k] !== undefined);
  if (given.length !== 1) {
    throw new InputError(`The target needs exactly one of ${KINDS.join(', ')}; got ${given.length ? given.join(', ') : 'none'}`, {
      code: 'INVALID_TARGET',
      details: { pointer: '/body/target' },
    });
  }
  if (given[0] === 'token' && !target.platform)
    throw new InputError('A token target needs its platform', { code: 'INVALID_TARGET', details: { pointer: '/body/target/platform' } });
  if (given[0] !== 'token' && target.platform)
    throw new InputError('platform only goes with a token target', {
      code: 'INVALID_TARGET',
      details: { pointer: '/body/target/platform' },
    });
  return given[0];
};

const snapshot = (d: {
  id: string;
  token: string;
  platform: string;
  locale?: string | null;
  timeZone?: string | null;
}): RecipientSnapshot => ({
  deviceId: d.id,
  token: d.token,
  platform: d.platform as PushPlatform,
  locale: d.locale ?? null,
  timeZone: d.timeZone ?? null,
});

export const resolveRecipients = async (db: Database, appId: string, target: Target): Promise<RecipientSnapshot[]> => {
  const kind = targetKind(target);
  if (kind === 'token') {
    // A raw token is sent to as asked; when the app registered it, the device is linked so a 410 can retire it.
    const known = await db.findOne(PushDevice, { appId, token: target.token as string });
    return [
      known
        ? snapshot(known)
        : { deviceId: null, token: target.token as string, platform: target.platform as PushPlatform, locale: null, timeZone: null },
    ];
  }
  if (kind === 'deviceIds') {
    const ids = [...new Set(target.deviceIds)];
    // Plain SQL: five columns of up to a few hundred rows, on the accept path of every small send.
    const rows: { id: string; token: string; platform: string; locale: string | null; time_zone: string | null; status: string }[] =
      ids.length === 0
        ? []
        : await db
            .getConnection()
            .execute(
              `select id, token, platform, locale, time_zone, status from push_device where app_id = ? and id in (${ids.map(() => '?').join(', ')}) order by id`,
              [appId, ...ids],
            );
    const found = rows.map((r) => ({ ...r, timeZone: r.time_zone }));
    const missing = ids.filter((id) => !found.some((d) => d.id === id));
    if (missing.length) {
      throw new InputError(`No such device in this app: ${missing.slice(0, 10).join(', ')}`, {
        code: 'UNKNOWN_DEVICES',
        details: { pointer: '/body/target/deviceIds', missing: missing.slice(0, 100) },
      });
    }
    return found.filter((d) => d.status === 'active').map(snapshot);
  }
  const where = kind === 'userId' ? { userId: target.userId } : kind === 'tags' ? compileTagExpression(target.tags as string) : {};
  const out: RecipientSnapshot[] = [];
  let after = '';
  for (;;) {
    const page = await db.find(
      PushDevice,
      { $and: [{ appId, status: 'active', id: { $gt: after } }, where] },
      { orderBy: { id: 'asc' }, limit: PAGE, fields: ['id', 'token', 'platform', 'locale', 'timeZone'] },
    );
    out.push(...page.map(snapshot));
    if (page.length < PAGE) return out;
    after = page[page.length - 1].id;
  }
};

/** @module Register (idempotent on the token), update, unregister, get and search an app's devices. */
import { type Database, type Handlers, NotFoundError } from '@switchboard/sdk';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { PushDevice, type PushDeviceRow } from '../entities/device.js';
import type { components, operations } from '../generated/openapi.js';
import { newId } from '../ids.js';
import { assertTimeZone } from '../sends/local-time.js';
import { isUniqueViolation } from '../store/is-unique-violation.js';
import { tagText } from '../tag-expression.js';
import { appOf } from './caller-app.js';
import { deviceView } from './views.js';

type DeviceOps = Pick<operations, 'registerDevice' | 'listDevices' | 'getDevice' | 'updateDevice' | 'unregisterDevice'>;
type Patch = components['schemas']['DevicePatch'];

/** The fields a register or patch sets; absent fields are left as they are. */
const fieldsOf = (b: Patch) => {
  if (b.timeZone) assertTimeZone(b.timeZone, '/body/timeZone');
  const out: Partial<PushDeviceRow> = {};
  if (b.userId !== undefined) out.userId = b.userId;
  if (b.tags !== undefined) Object.assign(out, { tags: b.tags, tagText: tagText(b.tags) });
  if (b.locale !== undefined) out.locale = b.locale;
  if (b.timeZone !== undefined) out.timeZone = b.timeZone;
  if (b.appVersion !== undefined) out.appVersion = b.appVersion;
  return out;
};

export const deviceHandlers = (db: Database): Handlers<DeviceOps> => {
  const find = async (id: string, appId: string) => {
    const device = await db.findOne(PushDevice, { id, appId });
    if (!device) throw new NotFoundError('device', id);
    return device;
  };

  return {
    registerDevice: async ({ body, caller }) => {
      const appId = appOf(caller);
      const fields = fieldsOf(body);
      for (let attempt = 0; ; attempt++) {
        const existing = await db.findOne(PushDevice, { appId, token: body.token });
        if (existing) {
          // Registering again revives a retired token and moves its registration time past any older APNs 410.
          db.assign(existing, {
            ...fields,
            platform: body.platform,
            status: 'active',
            retiredReason: null,
            retiredAt: null,
            registeredAt: new Date(),
          });
          await db.flush();
          return { status: 200, body: deviceView(existing) };
        }
        try {
          const device = db.create(PushDevice, {
            id: newId('dev'),
            appId,
            platform: body.platform,
            token: body.token,
            userId: null,
            tags: [],
            tagText: '',
            locale: null,
            timeZone: null,
            appVersion: null,
            status: 'active',
            retiredReason: null,
            retiredAt: null,
            registeredAt: new Date(),
            ...fields,
          });
          await db.flush();
          return { status: 201, body: deviceView(device) };
        } catch (e) {
          // The same token registered concurrently: the other insert won, this call updates it.
          db.clear();
          if (attempt > 0 || !isUniqueViolation(e)) throw e;
        }
      }
    },

    listDevices: async ({ query, caller }) => {
      const limit = query.limit ?? 50;
      const after = decodeCursor<string>(query.cursor, 'string');
      const rows = await db.find(
        PushDevice,
        {
          appId: appOf(caller),
          ...(after ? { id: { $gt: after } } : {}),
          ...(query.userId ? { userId: query.userId } : {}),
          ...(query.tag ? { tagText: { $like: `%|${query.tag}|%` } } : {}),
          ...(query.platform ? { platform: query.platform } : {}),
          ...(query.status ? { status: query.status } : {}),
          ...(query.token ? { token: query.token } : {}),
        },
        { orderBy: { id: 'asc' }, limit: limit + 1 },
      );
      const page = rows.slice(0, limit);
      const nextCursor = rows.length > limit ? encodeCursor(page[page.length - 1].id) : null;
      return { status: 200, body: { items: page.map(deviceView), nextCursor } };
    },

    getDevice: async ({ params, caller }) => ({ status: 200, body: deviceView(await find(params.id, appOf(caller))) }),

    updateDevice: async ({ params, body, caller }) => {
      const device = await find(params.id, appOf(caller));
      db.assign(device, fieldsOf(body));
      await db.flush();
      return { status: 200, body: deviceView(device) };
    },

    unregisterDevice: async ({ params, caller }) => {
      const removed = await db.nativeDelete(PushDevice, { id: params.id, appId: appOf(caller) });
      if (removed === 0) throw new NotFoundError('device', params.id);
      return { status: 204 };
    },
  };
};

/**
 * @module Developer sessions for the developer API: `Authorization: Bearer sbs_…`, looked up by its SHA-256,
 * refused once expired or revoked. Operations marked `x-switchboard.public` (sign-up, sign-in) skip it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { MikroORM } from '@mikro-orm/core';
import type { MiddlewareHandler } from 'hono';
import { HttpProblem } from '../http/map-error.js';
import { Session } from './entities/session.js';
import { presentedKey } from './gate.js';
import { sha256 } from './secrets.js';

export interface SessionActor {
  developerId: string;
  sessionId: string;
}

const sessionScope = new AsyncLocalStorage<SessionActor>();

export const currentDeveloper = (): SessionActor => {
  const actor = sessionScope.getStore();
  if (!actor) throw new Error('no developer in scope: developer handlers run behind sessionMiddleware');
  return actor;
};

export const sessionMiddleware = (orm: MikroORM): MiddlewareHandler =>
  async function developerSession(c, next) {
    const token = presentedKey(c.req.header('authorization'), undefined);
    if (!token?.startsWith('sbs_')) {
      throw new HttpProblem(
        {
          status: 401,
          code: 'SESSION_REQUIRED',
          title: 'Unauthorized',
          detail: 'Sign in (POST /developer/v1/sessions) and send `Authorization: Bearer sbs_…`.',
        },
        { 'www-authenticate': 'Bearer realm="switchboard-developer"' },
      );
    }
    const session = await orm.em.fork().findOne(Session, { tokenHash: sha256(token), subjectType: 'developer' });
    if (!session || session.revokedAt || new Date(session.expiresAt).getTime() <= Date.now()) {
      throw new HttpProblem({
        status: 401,
        code: 'SESSION_INVALID',
        title: 'Unauthorized',
        detail: 'The session expired or was revoked; sign in again.',
      });
    }
    await sessionScope.run({ developerId: session.subjectId, sessionId: session.id }, next);
  };

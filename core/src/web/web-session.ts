/**
 * @module Browser sessions in the access layer's session table: a random `sbs_…` token in the cookie, only its SHA-256
 * in the database, expiring with the developer API's session lifetime and revoked on sign-out. Operator sessions
 * are rows with `subjectType: 'operator'`, which the developer API's bearer check refuses, so a console cookie is
 * never a developer credential; the operator's own token never leaves the sign-in request.
 */
import type { MikroORM } from '@mikro-orm/core';
import { SESSION_TTL_MS } from '../access/developer-api/src/handlers.js';
import { Session } from '../access/entities/session.js';
import { generateToken, newId, sha256 } from '../access/secrets.js';

export type SessionSubject = 'developer' | 'operator';

/** Starts a session; the token is returned once, for the cookie. */
export const startSession = async (orm: MikroORM, subjectType: SessionSubject, subjectId: string) => {
  const { token, hash } = generateToken('sbs');
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  const em = orm.em.fork();
  em.create(Session, { id: newId('ses'), tokenHash: hash, subjectType, subjectId, createdAt: new Date(), expiresAt, revokedAt: null });
  await em.flush();
  return { token, maxAgeSeconds: Math.floor(SESSION_TTL_MS / 1000) };
};

/** The subject of a live session of that type, or null (unknown, expired, revoked or of the other kind). */
export const sessionSubject = async (orm: MikroORM, subjectType: SessionSubject, token: string | undefined): Promise<string | null> => {
  if (!token?.startsWith('sbs_')) return null;
  const session = await orm.em.fork().findOne(Session, { tokenHash: sha256(token), subjectType });
  if (!session || session.revokedAt || new Date(session.expiresAt).getTime() <= Date.now()) return null;
  return session.subjectId;
};

/** Revokes the session so a copied cookie stops working too, not just the browser's. */
export const endSession = async (orm: MikroORM, token: string | undefined): Promise<void> => {
  if (!token?.startsWith('sbs_')) return;
  await orm.em.fork().nativeUpdate(Session, { tokenHash: sha256(token) }, { revokedAt: new Date() });
};

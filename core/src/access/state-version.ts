/** @module Reads and bumps the shared-state version that tells every replica to reload its access caches. */
import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';

export const ACCESS_STATE = 'access';

/** Bumps the version, inside the caller's transaction when `em` is one: the change and the bump commit together. */
export const bumpVersion = async (em: EntityManager, name = ACCESS_STATE): Promise<void> => {
  await (em as SqlEntityManager).execute('update sb_state_version set version = version + 1 where name = ?', [name], 'run');
};

export const readVersion = async (em: EntityManager, name = ACCESS_STATE): Promise<number> => {
  const rows = await (em as SqlEntityManager).execute<{ version: number }[]>('select version from sb_state_version where name = ?', [name]);
  return Number(rows[0]?.version ?? 0);
};

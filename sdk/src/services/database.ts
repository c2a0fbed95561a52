/** @module The database contract: a MikroORM EntityManager bound to the current request. */
import type { EntityManager } from '@mikro-orm/core';

/**
 * MikroORM's EntityManager. Inside a handler it is the request's own fork (identity map per request); outside a
 * request (a `start` hook) wrap work in `db.fork()`.
 */
export type Database = EntityManager;

/** @module The ORM for the configured database: SQLite by default, MariaDB or MySQL by URL, migrations attached. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Constructor, EntitySchema, MikroORM } from '@mikro-orm/core';
import { type Migration, Migrator } from '@mikro-orm/migrations';
import { coreEntities, coreMigrations } from './core-schema.js';

export interface NamedMigration {
  name: string;
  class: Constructor<Migration>;
}

export interface OrmOptions {
  databaseUrl: string;
  // biome-ignore lint/suspicious/noExplicitAny: any entity schema will do.
  entities: EntitySchema<any, any>[];
  migrations: NamedMigration[];
}

/** The core's tables and migrations first, then each plugin's, migrations named `<asset id>/<name>`. */
export const ormOptionsFor = (
  databaseUrl: string,
  plugins: { meta: { id: string }; definition: { entities?: Readonly<OrmOptions['entities']>; migrations?: readonly NamedMigration[] } }[],
): OrmOptions => ({
  databaseUrl,
  entities: [...coreEntities, ...plugins.flatMap((p) => [...(p.definition.entities ?? [])])],
  migrations: [
    ...coreMigrations.map((m) => ({ name: `core/${m.name}`, class: m.class })),
    ...plugins.flatMap((p) => (p.definition.migrations ?? []).map((m) => ({ name: `${p.meta.id}/${m.name}`, class: m.class }))),
  ],
});

/** The dialect a URL selects. */
export const dialectOf = (url: string): 'sqlite' | 'mariadb' | 'mysql' =>
  url.startsWith('sqlite:') ? 'sqlite' : url.startsWith('mariadb://') ? 'mariadb' : 'mysql';

/**
 * Connects and checks the connection, so a bad URL fails at start rather than at the first request. Drivers are
 * imported on demand: a SQLite deployment never loads mysql2.
 */
export const createOrm = async ({ databaseUrl, entities, migrations }: OrmOptions): Promise<MikroORM> => {
  const dialect = dialectOf(databaseUrl);
  const common = {
    entities,
    allowGlobalContext: false,
    discovery: { warnWhenNoEntities: false },
    extensions: [Migrator],
    migrations: {
      migrationsList: migrations,
      snapshot: false,
      tableName: 'switchboard_migrations',
      transactional: true,
      silent: true,
    },
    debug: false,
  };
  let orm: MikroORM;
  if (dialect === 'sqlite') {
    const dbName = databaseUrl.slice('sqlite:'.length);
    if (dbName !== ':memory:') mkdirSync(dirname(dbName), { recursive: true });
    const { MikroORM: SqliteOrm } = await import('@mikro-orm/sqlite');
    orm = await SqliteOrm.init({ ...common, dbName });
    if (dbName !== ':memory:') {
      // Write-ahead logging: a commit appends to the log instead of rewriting pages through a rollback journal with
      // its fsyncs, and readers (the CLI, another process) do not block the writer. The request path's periodic
      // writes (metering, rate-limit slices, last-used) then stop stalling the event loop (docs/benchmarks.md).
      // synchronous=NORMAL is safe against a crash of the process; a power loss may drop the last commits.
      // journal_mode is kept by the file, synchronous by the connection (better-sqlite3 keeps one open).
      await orm.em.getConnection().execute('pragma journal_mode = wal');
      await orm.em.getConnection().execute('pragma synchronous = normal');
    }
  } else if (dialect === 'mariadb') {
    const { MikroORM: MariaDbOrm } = await import('@mikro-orm/mariadb');
    orm = await MariaDbOrm.init({ ...common, clientUrl: databaseUrl.replace(/^mariadb:/, 'mysql:') });
  } else {
    const { MikroORM: MySqlOrm } = await import('@mikro-orm/mysql');
    orm = await MySqlOrm.init({ ...common, clientUrl: databaseUrl });
  }
  try {
    await pingDatabase(orm);
  } catch (e) {
    await orm.close(true);
    throw new Error(`cannot connect to the database: ${(e as Error).message}`, { cause: e });
  }
  return orm;
};

/** One round trip. `checkConnection()` reports false until a first query has opened the pool, so query instead. */
export const pingDatabase = async (orm: MikroORM): Promise<void> => {
  await orm.em.getConnection().execute('select 1');
};

/** Applies pending migrations; returns the names applied. */
export const migrate = async (orm: MikroORM): Promise<string[]> => {
  const applied = await orm.migrator.up();
  return applied.map((m) => m.name);
};

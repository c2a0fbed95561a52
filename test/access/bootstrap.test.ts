/**
 * First start on a shared database: replicas that start together without SWITCHBOARD_ADMIN_TOKEN make exactly one
 * admin (one token shown, no replica fails), and a changed SWITCHBOARD_ADMIN_TOKEN replaces the old one, audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, bootstrapAccess } from '../../core/src/access/bootstrap.js';
import { type Access, createAccess } from '../../core/src/access/create-access.js';
import { AuditEntry } from '../../core/src/access/entities/audit-entry.js';
import { Operator } from '../../core/src/access/entities/operator.js';
import { accessEntities, accessMigrations } from '../../core/src/access/schema.js';
import { sha256 } from '../../core/src/access/secrets.js';
import { createOrm, migrate } from '../../core/src/db/create-orm.js';
import { availableBackends } from '../support/backends.js';

const backends = await availableBackends();
const silent = { warn: () => {}, info: () => {}, error: () => {}, debug: () => {} } as never;

describe.each(backends)('first start on $name', (backend) => {
  let drop: () => Promise<void>;
  let orms: Awaited<ReturnType<typeof createOrm>>[] = [];
  let accesses: Access[] = [];

  beforeAll(async () => {
    const db = await backend.create();
    drop = db.drop;
    const open = () =>
      createOrm({
        databaseUrl: db.url,
        entities: accessEntities,
        migrations: accessMigrations.map((m) => ({ ...m, name: `core/${m.name}` })),
      });
    orms = [await open()];
    await migrate(orms[0]);
    // SQLite is one process's file in production: one replica. MariaDB is shared: three replicas at once.
    if (backend.name !== 'sqlite') orms.push(await open(), await open());
    accesses = await Promise.all(
      orms.map((orm) => createAccess({ orm, log: silent, databaseUrl: db.url, assetIds: () => ['notes'], pollMs: 60_000 })),
    );
  });
  afterAll(async () => {
    for (const a of accesses) await a.close();
    for (const orm of orms) await orm.close(true);
    await drop?.();
  });

  it('makes one admin when replicas start together without a token: one token shown, no replica fails', async () => {
    const results = await Promise.all(accesses.map((access, i) => bootstrapAccess(access, orms[i], { demo: false, assetIds: ['notes'] })));
    const shown = results.map((r) => r.generatedAdminToken).filter((t) => t !== undefined);
    expect(shown).toHaveLength(1);
    const admins = await orms[0].em.fork().find(Operator, { email: ADMIN_EMAIL });
    expect(admins).toHaveLength(1);
    expect(admins[0].tokenHash).toBe(sha256(shown[0] as string));
  });

  it('replaces the admin token when SWITCHBOARD_ADMIN_TOKEN changes, and audits it without the token', async () => {
    const token = 'sba_rotated_by_the_environment_0123456789';
    await bootstrapAccess(accesses[0], orms[0], { adminToken: token, demo: false, assetIds: ['notes'] });
    const em = orms[0].em.fork();
    expect((await em.findOneOrFail(Operator, { email: ADMIN_EMAIL })).tokenHash).toBe(sha256(token));
    const audit = await em.find(AuditEntry, { action: 'operator.token-rotate' });
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0])).not.toContain(token);
    expect(JSON.stringify(audit[0])).not.toContain(sha256(token));
  });
});

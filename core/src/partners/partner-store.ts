/**
 * @module The partner documents uploaded at runtime, in the database: what every replica polls, and the changes
 * operators make (create, replace, remove, mode), each in one transaction with its audit entry — as AccessService
 * does for the access data. The document itself is not copied into the audit log: its digest and size are.
 */
import { createHash } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { ConflictError } from '@switchboard/sdk';
import type { Actor } from '../access/access-service.js';
import { AuditEntry } from '../access/entities/audit-entry.js';
import { PartnerDocument, type PartnerMode } from './partner-document.js';

/** What a replica polls: enough to tell whether what it serves is current, without the documents. */
export interface PartnerHead {
  id: string;
  version: number;
  mode: PartnerMode;
  removed: boolean;
}

export interface StoredPartner extends PartnerHead {
  document: string;
  format: 'json' | 'yaml';
  updatedAt: Date;
  updatedBy: string;
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex');
const actorName = (actor: Actor) => `${actor.type}:${actor.id}`;

/** The audit log's view of a version: never the text, which may be megabytes. */
const summary = (row: { version: number; mode: string; document: string } | null) =>
  row ? { version: row.version, mode: row.mode, sha256: digest(row.document), bytes: Buffer.byteLength(row.document) } : null;

const toStored = (row: {
  id: string;
  version: number;
  mode: string;
  removedAt?: Date | null;
  document: string;
  format: string;
  updatedAt: Date;
  updatedBy: string;
}): StoredPartner => ({
  id: row.id,
  version: row.version,
  mode: row.mode as PartnerMode,
  removed: row.removedAt !== null && row.removedAt !== undefined,
  document: row.document,
  format: row.format === 'json' ? 'json' : 'yaml',
  updatedAt: new Date(row.updatedAt),
  updatedBy: row.updatedBy,
});

export class PartnerStore {
  constructor(private readonly orm: MikroORM) {}

  /** Every id with its version and mode, removed ones included (a replica must learn of removals too). */
  async heads(): Promise<PartnerHead[]> {
    const rows = await (this.orm.em.fork() as SqlEntityManager).execute<
      { id: string; version: number; mode: string; removed_at: unknown }[]
    >('select id, version, mode, removed_at from sb_partner');
    return rows.map((r) => ({ id: r.id, version: Number(r.version), mode: r.mode as PartnerMode, removed: r.removed_at !== null }));
  }

  /** The current row of an id (a tombstone too), or null. */
  async get(id: string): Promise<StoredPartner | null> {
    const row = await this.orm.em.fork().findOne(PartnerDocument, { id });
    return row ? toStored(row) : null;
  }

  /** Live (not removed) documents, by id. */
  async live(): Promise<StoredPartner[]> {
    const rows = await this.orm.em.fork().find(PartnerDocument, { removedAt: null }, { orderBy: { id: 'asc' } });
    return rows.map(toStored);
  }

  private async change<T>(
    actor: Actor,
    action: string,
    id: string,
    work: (em: EntityManager) => Promise<{ result: T; before: object | null; after: object | null }>,
  ): Promise<T> {
    return this.orm.em.fork().transactional(async (em) => {
      const { result, before, after } = await work(em);
      em.create(AuditEntry, {
        at: new Date(),
        actorType: actor.type,
        actorId: actor.id,
        action,
        targetType: 'partner',
        targetId: id,
        before,
        after,
      });
      await em.flush();
      return result;
    });
  }

  /**
   * Stores a new document for `id` (version 1, or the previous version + 1 — after a removal too). `expected` is the
   * version the caller checked against (0: none): if another change got in between, nothing is stored.
   */
  async put(
    actor: Actor,
    input: { id: string; document: string; format: 'json' | 'yaml'; mode: PartnerMode; expected: number },
  ): Promise<{ version: number; created: boolean }> {
    return this.change(actor, 'partner.put', input.id, async (em) => {
      const row = await em.findOne(PartnerDocument, { id: input.id });
      const current = row && !row.removedAt ? row.version : 0;
      if (current !== input.expected) throw concurrent(input.id);
      const before = row && !row.removedAt ? summary(row) : null;
      const now = new Date();
      const version = (row?.version ?? 0) + 1;
      const values = {
        document: input.document,
        format: input.format,
        version,
        mode: input.mode,
        removedAt: null,
        updatedAt: now,
        updatedBy: actorName(actor),
      };
      if (row) {
        // Conditional on the version read: a replica that stored a version meanwhile makes this one lose.
        const n = await em.nativeUpdate(PartnerDocument, { id: input.id, version: row.version }, values);
        if (n !== 1) throw concurrent(input.id);
      } else {
        em.create(PartnerDocument, { id: input.id, ...values });
        await em.flush().catch((e: unknown) => {
          throw concurrent(input.id, e);
        });
      }
      return {
        result: { version, created: before === null },
        before,
        after: summary({ version, mode: input.mode, document: input.document }),
      };
    });
  }

  /** Removes the document (a tombstone stays, see the module comment). */
  async remove(actor: Actor, id: string, expected: number): Promise<void> {
    await this.change(actor, 'partner.remove', id, async (em) => {
      const row = await em.findOne(PartnerDocument, { id });
      if (!row || row.removedAt || row.version !== expected) throw concurrent(id);
      const before = summary(row);
      const n = await em.nativeUpdate(
        PartnerDocument,
        { id, version: row.version },
        { removedAt: new Date(), updatedAt: new Date(), updatedBy: actorName(actor) },
      );
      if (n !== 1) throw concurrent(id);
      return { result: undefined, before, after: null };
    });
  }

  /** Switches between live and mock; the document and its version stay. */
  async setMode(actor: Actor, id: string, mode: PartnerMode, expected: number): Promise<void> {
    await this.change(actor, 'partner.mode', id, async (em) => {
      const row = await em.findOne(PartnerDocument, { id });
      if (!row || row.removedAt || row.version !== expected) throw concurrent(id);
      const before = { version: row.version, mode: row.mode };
      const n = await em.nativeUpdate(
        PartnerDocument,
        { id, version: row.version },
        { mode, updatedAt: new Date(), updatedBy: actorName(actor) },
      );
      if (n !== 1) throw concurrent(id);
      return { result: undefined, before, after: { version: row.version, mode } };
    });
  }
}

const concurrent = (id: string, cause?: unknown) =>
  new ConflictError(`partner '${id}' was changed meanwhile (on another replica?): reload and try again`, {
    code: 'PARTNER_CHANGED',
    cause,
  });

/**
 * @module The core's own tables (prefix `sb_`) and the migrations that create them. Each core module contributes
 * its entities and migrations here; they run before any plugin's, named `core/<name>`.
 */
import type { EntitySchema } from '@mikro-orm/core';
import { AddPlanLimits } from '../access/migrations/add-plan-limits.js';
import { CreateAccessTables } from '../access/migrations/create-access-tables.js';
import { accessEntities } from '../access/schema.js';
import { JobRun, JobState, QueueMessageRow } from '../background/background-entities.js';
import { CreateBackgroundTables } from '../background/create-background-tables.js';
import { CreateQueueLedgerTables } from '../background/create-queue-ledger-tables.js';
import { CreatePartnerTable } from '../partners/create-partner-table.js';
import { PartnerDocument } from '../partners/partner-document.js';
import type { NamedMigration } from './create-orm.js';

// biome-ignore lint/suspicious/noExplicitAny: any entity schema will do.
export const coreEntities: EntitySchema<any, any>[] = [JobState, JobRun, QueueMessageRow, ...accessEntities, PartnerDocument];

/** In the order they apply. Names are stable: the migrations table records them. */
export const coreMigrations: NamedMigration[] = [
  { name: '001-background-tables', class: CreateBackgroundTables },
  { name: '002-access-tables', class: CreateAccessTables },
  { name: '003-queue-ledger-tables', class: CreateQueueLedgerTables },
  { name: '004-plan-limits', class: AddPlanLimits },
  { name: '005-partner-documents', class: CreatePartnerTable },
];

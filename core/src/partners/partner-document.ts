/**
 * @module A partner document uploaded at runtime (admin API, CLI, console), one row per asset id. A removal keeps
 * the row as a tombstone (`removedAt`), so an id's version only ever grows and a replica that polls can never
 * mistake a re-upload for the version it already serves.
 */
import { defineEntity, p } from '@mikro-orm/core';

export type PartnerMode = 'live' | 'mock';

export const PartnerDocument = defineEntity({
  name: 'PartnerDocument',
  tableName: 'sb_partner',
  properties: {
    id: p.string().length(32).primary(),
    /** The document as uploaded (YAML or JSON text). */
    document: p.text(),
    /** `json` or `yaml`: how the text parses. */
    format: p.string().length(8),
    /** 1 for the first upload; +1 for every replacement (a mode switch keeps it). */
    version: p.integer(),
    mode: p.string().length(8),
    removedAt: p.datetime(3).nullable(),
    updatedAt: p.datetime(3),
    /** `operator:<id>` or `system:cli`. */
    updatedBy: p.string().length(48),
  },
});

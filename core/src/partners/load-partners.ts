/**
 * @module Loads every partner document of PARTNERS_DIR at start: each file one asset, prepared like a plugin (same
 * claims on ids and routes, same validators), so it is activated, gated, metered and toggled like one.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger, Metrics } from '@switchboard/sdk';
import { LoadError } from '../plugins/load-error.js';
import { type Claims, type PreparedPlugin, type PrepareOptions, preparePlugin } from '../plugins/prepare-plugin.js';
import { readPartner } from './read-partner.js';

const DOCUMENT = /\.(ya?ml|json)$/i;

/** The partner document files of `dir`, sorted so ids and routes are claimed in a stable order; none if no folder. */
export const listPartnerFiles = async (dir: string): Promise<string[]> => {
  try {
    const names = await readdir(dir);
    return names
      .filter((n) => DOCUMENT.test(n) && !n.startsWith('.'))
      .sort()
      .map((n) => join(dir, n));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
};

export interface LoadPartnersOptions {
  dir: string;
  claims: Claims;
  prepare: Omit<PrepareOptions, 'source'>;
  log: Logger;
  env: Record<string, string | undefined>;
  defaultTimeoutMs: number;
  /** PARTNER_ALLOWED_HOSTS (see ReadPartnerOptions). */
  allowedHosts?: readonly string[];
  /** The partner metrics family (see ReadPartnerOptions). */
  metrics?: Metrics;
}

/** Prepares each partner; one that fails is returned as a LoadError and the others load. */
export const loadPartners = async ({
  dir,
  claims,
  prepare,
  log,
  env,
  defaultTimeoutMs,
  allowedHosts,
  metrics,
}: LoadPartnersOptions): Promise<{ prepared: PreparedPlugin[]; errors: { file: string; error: LoadError }[] }> => {
  const prepared: PreparedPlugin[] = [];
  const errors: { file: string; error: LoadError }[] = [];
  for (const file of await listPartnerFiles(dir)) {
    try {
      const source = await readPartner(file, { env, log, defaultTimeoutMs, allowedHosts, metrics });
      prepared.push(await preparePlugin(file, claims, { ...prepare, source }));
    } catch (e) {
      const error = e instanceof LoadError ? e : new LoadError('MANIFEST_INVALID', file, '', (e as Error).message, { cause: e });
      errors.push({ file, error });
    }
  }
  return { prepared, errors };
};

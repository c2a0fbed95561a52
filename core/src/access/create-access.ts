/**
 * @module The access layer of a running platform: the service that changes access data, the cached state the
 * request path reads, the rate-limit budgets and the meter — started and stopped together.
 */
import type { MikroORM } from '@mikro-orm/core';
import type { Logger } from '@switchboard/sdk';
import { AccessService } from './access-service.js';
import { AccessState } from './access-state.js';
import { Meter } from './meter.js';
import { RateBudget } from './rate-budget.js';

export interface Access {
  service: AccessService;
  state: AccessState;
  budget: RateBudget;
  meter: Meter;
  close(): Promise<void>;
}

export interface AccessOptions {
  orm: MikroORM;
  log: Logger;
  databaseUrl: string;
  assetIds: () => string[];
  pollMs?: number;
}

export const createAccess = async ({ orm, log, databaseUrl, assetIds, pollMs }: AccessOptions): Promise<Access> => {
  const state = new AccessState({ orm, log, pollMs });
  await state.start();
  const budget = new RateBudget({ orm });
  const meter = new Meter({ orm, databaseUrl, log });
  // Ended windows are useless: delete them now and then so the table stays small.
  const prune = setInterval(() => budget.prune().catch((err) => log.warn({ err }, 'rate window prune failed')), 60_000);
  prune.unref();
  return {
    service: new AccessService(orm, assetIds, () => state.refresh(true)),
    state,
    budget,
    meter,
    async close() {
      clearInterval(prune);
      await meter.close();
      await state.stop();
    },
  };
};

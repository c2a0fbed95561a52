/**
 * @module The compute driver of one loaded copy of the plugin, shared by its handlers and its jobs. Both receive the
 * same config slice object from the plugin's container, so the slice is the key: two platforms in one process (tests)
 * each get their own driver. Zones and offerings are cached briefly: quota checks need an offering's size on every
 * create and resize, and catalogues change rarely.
 */

import type { Metrics } from '@switchboard/sdk';
import { type DpaasConfig, driverConfigOf } from './config.js';
import type { Offering, Zone } from './driver/catalogue.js';
import type { ComputeDriver } from './driver/compute-driver.js';
import { createDriver } from './driver/create-driver.js';
import { instrumentDriver } from './driver/instrument-driver.js';

const CATALOGUE_TTL_MS = 60_000;

export interface Provider {
  driver: ComputeDriver;
  zones(): Promise<Zone[]>;
  offerings(): Promise<Offering[]>;
}

const providers = new WeakMap<object, Provider>();

const cached = <T>(load: () => Promise<T>) => {
  let value: { at: number; data: Promise<T> } | undefined;
  return () => {
    if (!value || Date.now() - value.at > CATALOGUE_TTL_MS) {
      const data = load();
      value = { at: Date.now(), data };
      // A failed load is not kept: the next call asks again.
      data.catch(() => {
        if (value?.data === data) value = undefined;
      });
    }
    return value.data;
  };
};

/**
 * The provider for this config slice, made on first use (when the handlers are built, which pass the plugin's
 * metrics: every provider call is then counted, the jobs' included).
 */
export const providerFor = (config: Readonly<DpaasConfig>, metrics?: Metrics): Provider => {
  let provider = providers.get(config);
  if (!provider) {
    const created = createDriver(driverConfigOf(config));
    const driver = metrics ? instrumentDriver(created, metrics) : created;
    provider = { driver, zones: cached(() => driver.listZones()), offerings: cached(() => driver.listOfferings()) };
    providers.set(config, provider);
  }
  return provider;
};

/** Releases the driver's timers and connections (the plugin's stop hook). */
export const closeProvider = async (config: Readonly<DpaasConfig>): Promise<void> => {
  const provider = providers.get(config);
  providers.delete(config);
  await provider?.driver.close();
};

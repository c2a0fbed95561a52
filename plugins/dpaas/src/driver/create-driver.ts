/** @module Picks and builds the compute driver a deployment configures: the simulator by default, or CloudStack. */
import { type CloudStackDriverOptions, createCloudStackDriver } from '../cloudstack/cloudstack-driver.js';
import { createSimulatorDriver, type SimulatorOptions } from '../simulator/simulator-driver.js';
import type { ComputeDriver } from './compute-driver.js';

export type DriverConfig =
  | { driver: 'simulator'; simulator?: SimulatorOptions }
  | { driver: 'cloudstack'; cloudstack: CloudStackDriverOptions };

/**
 * Checks the CloudStack settings up front, so a bad deployment fails at start with what to fix (never echoing the
 * secret key).
 * @example createDriver({ driver: 'cloudstack', cloudstack: { endpoint, apiKey, secretKey } })
 */
export const createDriver = (config: DriverConfig): ComputeDriver => {
  if (config.driver === 'simulator') return createSimulatorDriver(config.simulator);
  const { endpoint, apiKey, secretKey } = config.cloudstack ?? {};
  const missing = [!endpoint && 'endpoint', !apiKey && 'apiKey', !secretKey && 'secretKey'].filter(Boolean);
  if (missing.length) throw new Error(`dpaas: the cloudstack driver needs ${missing.join(', ')} in its configuration`);
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`dpaas: cloudstack endpoint '${endpoint}' is not a URL (expected e.g. https://cloud.example.com/client/api)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('dpaas: cloudstack endpoint must be http or https');
  return createCloudStackDriver(config.cloudstack);
};

/** @module The asset's config slice (as `info.x-switchboard.config` declares it) and the driver it selects. */
import type { DriverConfig } from './driver/create-driver.js';

export interface DpaasConfig {
  driver: 'simulator' | 'cloudstack';
  simulator?: {
    minDelayMs?: number;
    maxDelayMs?: number;
    capacityErrorRate?: number;
    failingZones?: string[];
    instanceLimit?: number | null;
  };
  cloudstack?: {
    endpoint: string;
    apiKey: string;
    secretKey: string;
    requestTimeoutMs?: number;
    hypervisor?: string;
    defaultOsTypeId?: string;
    pollInitialMs?: number;
    pollMaxMs?: number;
  };
  /** Pending operations the state-sync job refreshes per run. */
  settleBatch: number;
}

/**
 * The driver settings for a config slice. Defaults are repeated here because the core fills in only the defaults of
 * keys that are present, not of a nested object the operator left out.
 */
export const driverConfigOf = (config: Readonly<DpaasConfig>): DriverConfig => {
  if ((config.driver ?? 'simulator') === 'simulator') {
    const s = config.simulator ?? {};
    const minMs = s.minDelayMs ?? 500;
    return {
      driver: 'simulator',
      simulator: {
        delays: { minMs, maxMs: Math.max(minMs, s.maxDelayMs ?? 2000) },
        failures: { capacityErrorRate: s.capacityErrorRate ?? 0, failingZones: s.failingZones ?? [] },
        limits: { instances: s.instanceLimit ?? null },
      },
    };
  }
  const cs = config.cloudstack;
  if (!cs) throw new Error('dpaas: driver is cloudstack but config.dpaas.cloudstack (endpoint, apiKey, secretKey) is missing');
  return {
    driver: 'cloudstack',
    cloudstack: {
      endpoint: cs.endpoint,
      apiKey: cs.apiKey,
      secretKey: cs.secretKey,
      requestTimeoutMs: cs.requestTimeoutMs,
      hypervisor: cs.hypervisor,
      defaultOsTypeId: cs.defaultOsTypeId,
      backoff: { initialMs: cs.pollInitialMs ?? 250, maxMs: cs.pollMaxMs ?? 5000, factor: 1.5 },
    },
  };
};

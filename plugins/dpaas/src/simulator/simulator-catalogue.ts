/**
 * @module The simulator's fixed catalogue. Ids are constant so that records the asset keeps in its database still
 * point at something after a restart.
 */
import type { Offering, Template, Zone } from '../driver/catalogue.js';

export const SIMULATOR_ZONES: Zone[] = [
  { id: '5a1c0e52-0000-4000-8000-00000000z001', name: 'sim-zone-1', available: true },
  { id: '5a1c0e52-0000-4000-8000-00000000z002', name: 'sim-zone-2', available: true },
];

export const SIMULATOR_OFFERINGS: Offering[] = [
  { id: '5a1c0e52-0000-4000-8000-00000000o001', name: 'small', description: '1 vCPU, 1 GB', vcpus: 1, cpuSpeedMhz: 1000, memoryMb: 1024 },
  { id: '5a1c0e52-0000-4000-8000-00000000o002', name: 'medium', description: '2 vCPU, 4 GB', vcpus: 2, cpuSpeedMhz: 2000, memoryMb: 4096 },
  { id: '5a1c0e52-0000-4000-8000-00000000o003', name: 'large', description: '4 vCPU, 8 GB', vcpus: 4, cpuSpeedMhz: 2000, memoryMb: 8192 },
];

export const SIMULATOR_OS_TYPE = '5a1c0e52-0000-4000-8000-0000000os001';

export const SIMULATOR_TEMPLATES: Template[] = [
  ['5a1c0e52-0000-4000-8000-00000000t001', 'ubuntu-24.04', 'Ubuntu 24.04 LTS'],
  ['5a1c0e52-0000-4000-8000-00000000t002', 'debian-12', 'Debian 12'],
].map(([id, name, description]) => ({
  id,
  name,
  description,
  zoneId: null,
  osTypeId: SIMULATOR_OS_TYPE,
  status: 'ready',
  isPublic: true,
  sizeBytes: 2 * 1024 ** 3,
  createdAt: '2026-01-01T00:00:00.000Z',
}));

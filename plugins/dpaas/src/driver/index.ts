/** @module The provider-neutral compute driver: its interface, model, errors and factory. */
export type * from './catalogue.js';
export type { ComputeDriver, DriverName } from './compute-driver.js';
export { createDriver, type DriverConfig } from './create-driver.js';
export { DRIVER_ERROR_CODES, type DriverErrorDetails, type DriverErrorReason, driverError, driverErrorReason } from './driver-error.js';
export type * from './firewall.js';
export type * from './instance.js';
export { INSTANCE_STATES } from './instance.js';
export type * from './key-pair.js';
export type * from './operation.js';
export type * from './page.js';
export { MAX_PAGE_SIZE } from './page.js';
export type * from './snapshot.js';
export type * from './tag.js';
export { MAX_USER_DATA_BASE64 } from './validate-input.js';

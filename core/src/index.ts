/** @module @switchboard/core: the host. Plugins never import it; tools and tests do. */

export type { CoreConfig } from './config/config.js';
export { loadConfig } from './config/load-config.js';
export { createPlatform, type Platform } from './platform/create-platform.js';
export { LOAD_ERRORS, LoadError, type LoadErrorCode } from './plugins/load-error.js';
export { CORE_VERSION } from './version.js';

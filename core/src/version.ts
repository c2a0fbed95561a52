/** @module The core's version: what plugins' `coreVersion` ranges are checked against. */
import { createRequire } from 'node:module';

const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

export const CORE_VERSION: string = pkg.version;

/**
 * @module The request id of the code running now, carried by AsyncLocalStorage, so every log line written while
 * serving a request — the core's and the plugins' — carries `reqId` without passing it around.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export const requestScope = new AsyncLocalStorage<string>();

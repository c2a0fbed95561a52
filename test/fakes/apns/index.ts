/** @module The fake APNs provider API: in-process class, child-process launcher, test PKI. */

export { type ClientCa, type ClientCertificate, type ClientCertificateOptions, createClientCa } from './client-certificates.js';
export { APNS_REASONS, type ApnsReason, type ApnsScript, FakeApns, type FakeApnsOptions, type ReceivedApns } from './fake-apns.js';
export type { FakeStats, ReceivedRequest } from './fake-behaviour.js';
export { type FakeProcess, type Remote, spawnFake } from './fake-process.js';
export { createTestPki, type TestPki, testPki } from './test-pki.js';

/** The child-process entry, for `spawnFake<FakeApns>(FAKE_APNS_MAIN)`. */
export const FAKE_APNS_MAIN = new URL('./main.ts', import.meta.url);

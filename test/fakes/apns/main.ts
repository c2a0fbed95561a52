/**
 * @module Starts the fake APNs as its own process: `node --import tsx test/fakes/apns/main.ts` (FAKE_PORT, FAKE_HOST,
 * FAKE_RECORD_BODIES=0 for long benchmarks). Under `spawnFake` it is controlled over IPC; otherwise it prints its
 * endpoint and CA as one JSON line.
 */
import { FakeApns } from './fake-apns.js';
import { serveFake } from './fake-process.js';

await serveFake(new FakeApns({ recordBodies: process.env.FAKE_RECORD_BODIES !== '0' }));

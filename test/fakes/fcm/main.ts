/**
 * @module Starts the fake FCM as its own process: `node --import tsx test/fakes/fcm/main.ts` (FAKE_PORT, FAKE_HOST,
 * FAKE_RECORD_BODIES=0 for long benchmarks). Under `spawnFake` it is controlled over IPC; otherwise it prints its
 * endpoint and CA as one JSON line.
 */
import { serveFake } from '../apns/fake-process.js';
import { FakeFcm } from './fake-fcm.js';

await serveFake(new FakeFcm({ recordBodies: process.env.FAKE_RECORD_BODIES !== '0' }));

/** @module The fake FCM HTTP v1 API (and Google's token endpoint): in-process class and child-process entry. */
export { spawnFake } from '../apns/fake-process.js';
export { FakeFcm, type FakeFcmOptions, FCM_ERRORS, type FcmErrorCode, type ReceivedFcm, type ServiceAccountJson } from './fake-fcm.js';
export { validateFcmMessage } from './validate-fcm-message.js';

/** The child-process entry, for `spawnFake<FakeFcm>(FAKE_FCM_MAIN)`. */
export const FAKE_FCM_MAIN = new URL('./main.ts', import.meta.url);

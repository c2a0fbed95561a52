/** @module The push asset's provider layer: the transport contract, the FCM and APNs senders, the simulator, payload shaping, credential checks. */
export { type ApnsHeaders, type ApnsRequest, buildApnsRequest } from './apns-request.js';
export { APNS_HOSTS, type ApnsSenderOptions, createApnsSender } from './apns-sender.js';
export { classifyApnsFailure } from './classify-apns-failure.js';
export { classifyFcmError } from './classify-fcm-error.js';
export { type ApnsCertificate, type ApnsCredentials, type ApnsTokenKey, type FcmServiceAccount, isApnsCertificate } from './credentials.js';
export { buildFcmMessage, toFcmData } from './fcm-message.js';
export { createFcmSender, disableSdkRetries, type FcmSenderOptions } from './fcm-sender.js';
export type { LoopbackEndpoint } from './loopback-endpoint.js';
export { PayloadRejected } from './payload-rejected.js';
export type * from './push-transport.js';
export {
  createRecordingTransport,
  type RecordingTransport,
  type RecordingTransportOptions,
  type SimulatedSend,
  tokenConventions,
} from './recording-transport.js';
export { validateApnsCertificate } from './validate-apns-certificate.js';
export { APNS_CREDENTIALS_INVALID, validateApnsTokenKey } from './validate-apns-token-key.js';
export { FCM_CREDENTIALS_INVALID, validateFcmServiceAccount } from './validate-fcm-service-account.js';
export { MAX_TTL_SECONDS, PUSH_NOTIFICATION_INVALID, validateNotification } from './validate-notification.js';

/**
 * @module A well-formed Google service account with a fresh RSA key, for tests that upload FCM credentials the push
 * simulator delivers with (the fake FCM server makes its own with `createServiceAccount`, which it also trusts).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';

export const serviceAccountFor = (projectId: string) => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    type: 'service_account',
    project_id: projectId,
    private_key_id: randomBytes(20).toString('hex'),
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: `push@${projectId}.iam.gserviceaccount.com`,
    client_id: String(100000000000000000000n + BigInt(randomBytes(4).readUInt32BE())),
    token_uri: 'https://oauth2.googleapis.com/token',
  };
};

/** @module One app's stored provider credentials: the secret only as AES-256-GCM ciphertext, beside what may be shown. */
import { defineEntity, p } from '@switchboard/sdk';

/** What the API may show about a credential: never the secret. */
export interface CredentialMetadata {
  /** APNs: `token` (a .p8 key) or `certificate`; absent on FCM and on APNs keys stored before certificates existed. */
  kind?: 'token' | 'certificate';
  projectId?: string;
  clientEmail?: string;
  keyId?: string;
  teamId?: string;
  bundleId?: string;
  production?: boolean;
  /** APNs certificates: the subject (`UID=<bundle id>, CN=Apple Push Services: …`) and when it expires. */
  subject?: string;
  expiresAt?: string;
  fingerprint: string;
}

export const PushCredential = defineEntity({
  name: 'PushCredential',
  tableName: 'push_credential',
  properties: {
    id: p.integer().primary().autoincrement(),
    appId: p.string().length(64),
    provider: p.string().length(8),
    /** `v1.<key id>.<iv>.<tag>.<ciphertext>`, base64url parts; see credential-cipher.ts. */
    secret: p.text(),
    metadata: p.json<CredentialMetadata>(),
    createdAt: p.datetime(3).onCreate(() => new Date()),
    updatedAt: p
      .datetime(3)
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export type PushCredentialRow = InstanceType<typeof PushCredential.class>;

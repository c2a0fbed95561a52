/** @module Rows as the API shows them. Credentials appear only as metadata: there is no view with the secret. */
import type { PushCredentialRow } from '../entities/credential.js';
import type { PushDeviceRow } from '../entities/device.js';
import type { PushRecipientRow } from '../entities/recipient.js';
import type { PushSendRow } from '../entities/send.js';
import type { components } from '../generated/openapi.js';
import type { Totals } from '../sends/send-totals.js';

type Schemas = components['schemas'];

export const credentialView = (row: PushCredentialRow): Schemas['CredentialInfo'] => ({
  provider: row.provider as 'fcm' | 'apns',
  // APNs keys stored before certificates were accepted carry no kind: they are token keys.
  ...(row.provider === 'apns' ? { kind: 'token' as const } : {}),
  ...row.metadata,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

export const deviceView = (d: PushDeviceRow): Schemas['Device'] => ({
  id: d.id,
  platform: d.platform as Schemas['Platform'],
  token: d.token,
  userId: d.userId ?? null,
  tags: d.tags,
  locale: d.locale ?? null,
  timeZone: d.timeZone ?? null,
  appVersion: d.appVersion ?? null,
  status: d.status as 'active' | 'retired',
  retiredReason: d.retiredReason ?? null,
  registeredAt: d.registeredAt.toISOString(),
  createdAt: d.createdAt.toISOString(),
  updatedAt: d.updatedAt.toISOString(),
});

export const sendView = (s: PushSendRow, totals: Totals): Schemas['SendSummary'] => ({
  id: s.id,
  status: s.status,
  target: s.target,
  sendAt: s.sendAt ? s.sendAt.toISOString() : null,
  createdAt: s.createdAt.toISOString(),
  completedAt: s.completedAt ? s.completedAt.toISOString() : null,
  totals,
});

export const recipientView = (r: PushRecipientRow): Schemas['RecipientResult'] => ({
  id: r.id,
  deviceId: r.deviceId ?? null,
  token: r.token,
  platform: r.platform as Schemas['Platform'],
  status: r.status,
  attempts: r.attempts,
  provider: (r.provider ?? null) as Schemas['RecipientResult']['provider'],
  providerMessageId: r.providerMessageId ?? null,
  reason: r.reason ?? null,
  detail: r.detail ?? null,
  httpStatus: r.httpStatus ?? null,
  tokenRetired: Boolean(r.tokenRetired),
  dueAt: r.dueAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

/** @module Small builders shared by the push provider tests. */
import type { PushItem, PushNotification, PushPlatform } from '../../plugins/push/src/providers/push-transport.js';

/** A well-formed APNs device token (64 hex characters) numbered `i`. */
export const apnsToken = (i: number): string => i.toString(16).padStart(64, '0');

export const itemsFor = (platform: PushPlatform, tokens: string[], notification: PushNotification): PushItem[] =>
  tokens.map((token, i) => ({ recipientId: `r${i}`, token, platform, notification }));

export const BUNDLE_ID = 'com.switchboard.test';

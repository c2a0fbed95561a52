/**
 * @module Webhook signatures: `Switchboard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
 * The timestamp is signed too, so a receiver can refuse replays older than a few minutes.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'switchboard-signature';

export const signWebhook = (secret: string, body: string, nowMs = Date.now()): string => {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
};

/**
 * What a receiver does (shown in docs/assets/push.md): recompute and compare in constant time, and check the age.
 *
 * @example
 * verifyWebhook(secret, rawBody, req.headers['switchboard-signature'], 300)
 */
export const verifyWebhook = (
  secret: string,
  body: string,
  header: string | undefined,
  toleranceSeconds = 300,
  nowMs = Date.now(),
): boolean => {
  const parts = Object.fromEntries((header ?? '').split(',').map((kv) => kv.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowMs / 1000 - t) > toleranceSeconds || !parts.v1) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  const given = Buffer.from(parts.v1);
  return expected.length === given.length && timingSafeEqual(expected, given);
};

/**
 * The CloudStack signer against the published vectors (reference/cloudstack-api.md), the encoding rules value by
 * value, and agreement with the fake server's independent verifier.
 */
import { describe, expect, it } from 'vitest';
import { encodeValue, signRequest } from '../../plugins/dpaas/src/cloudstack/sign.js';
import { javaUrlEncode, serverSignature, verifyRequest } from '../fakes/cloudstack/verify-signature.js';

const VECTORS: [string, Record<string, string>, string][] = [
  [
    'VDaACYb0LV9eNjTetIOElcVQkvJck_J_QljX_FcHRj87ZKiy0z0ty0ZsYBkoXkY9b7eq1EhwJaw7FF3akA3KBQ',
    {
      apikey: 'plgWJfZK4gyS3mOMTVmjUVg-X-jlWlnfaUJ9GAbBbf9EdM-kAYMmAiLqzzq1ElZLYq_u38zCm0bewzGUdP66mg',
      command: 'listUsers',
      response: 'json',
    },
    'TTpdDq/7j/J58XCRHomKoQXEQds=',
  ],
  ['bar', { apiKey: 'foo', command: 'listVirtualMachines', listall: 'true', response: 'json' }, 'B0d6hBsZTcFVCiioSxzwKA9Pke8='],
  ['abcdefg', { account: 'Lorem Ipsum', domainid: '42', q: 'keywords' }, 'V2CxRU4zQQtox1DZsH/66GDdzhg='],
  [
    '2222',
    { apiKey: '1111', command: 'listVirtualMachines', response: 'json', signatureversion: '3', expires: '1986-08-13T00:00:00+0000' },
    '73JXcG9beokunM8TfmAMiCzHOYQ=',
  ],
];

describe('signRequest', () => {
  it.each(VECTORS)('matches the published vector signed with %s', (secret, params, expected) => {
    expect(signRequest(params, secret)).toBe(expected);
  });

  it('ignores the order parameters are given in and any signature parameter', () => {
    const [secret, params, expected] = VECTORS[1];
    const shuffled = Object.fromEntries(Object.entries(params).reverse());
    expect(signRequest({ ...shuffled, signature: 'anything' }, secret)).toBe(expected);
  });

  it('changes with any value or the secret, but not with the case of a value (the server lower-cases what it signs)', () => {
    const [secret, params, expected] = VECTORS[1];
    expect(signRequest({ ...params, listall: 'false' }, secret)).not.toBe(expected);
    // Lower-casing happens after encoding, so a value that differs only in case signs the same (the server does this too).
    expect(signRequest({ ...params, response: 'JSON' }, secret)).toBe(expected);
    expect(signRequest(params, `${secret}x`)).not.toBe(expected);
  });

  it('encodes values as Java URLEncoder with + as %20', () => {
    expect(encodeValue('Lorem Ipsum')).toBe('Lorem%20Ipsum');
    expect(encodeValue("a*b.c-d_e~f!g'h(i)j")).toBe('a*b.c-d_e%7Ef%21g%27h%28i%29j');
    expect(encodeValue('x/y+z=w:v,u&t')).toBe('x%2Fy%2Bz%3Dw%3Av%2Cu%26t');
    expect(encodeValue('tags[0].key')).toBe('tags%5B0%5D.key');
    expect(encodeValue('é€😀')).toBe('%C3%A9%E2%82%AC%F0%9F%98%80');
  });

  it('encodes exactly as the independent byte-wise Java encoder for every printable ASCII character and some non-ASCII', () => {
    const all = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
    expect(encodeValue(all)).toBe(javaUrlEncode(all));
    expect(encodeValue('ünïcødé ✓ 😀')).toBe(javaUrlEncode('ünïcødé ✓ 😀'));
  });

  it('sorts names case-sensitively, as Java Collections.sort does (capitals first)', () => {
    // 'Zeta' sorts before 'alpha' by code unit; a case-insensitive sort would swap them and change the signature.
    const params = { alpha: '1', Zeta: '2' };
    const signed = signRequest(params, 's');
    expect(signed).toBe(serverSignature(new Map(Object.entries(params)), 's'));
  });

  it('is accepted by the fake server verifier, with signatureVersion 3 and a future expiry, and refused once expired', () => {
    const keys = { apiKey: 'k', secretKey: 'secret with spaces & symbols/+' };
    const future = new Date(Date.now() + 600_000).toISOString().slice(0, 19);
    const params: Record<string, string> = {
      apiKey: keys.apiKey,
      command: 'deployVirtualMachine',
      response: 'json',
      signatureVersion: '3',
      expires: `${future}+0000`,
      userdata: Buffer.from('#!/bin/sh\necho "hi there" > /tmp/x\n').toString('base64'),
      'tags[0].key': 'env',
      'tags[0].value': 'prod (eu)',
    };
    const signature = signRequest(params, keys.secretKey);
    expect(verifyRequest(new Map(Object.entries({ ...params, signature })), keys)).toEqual({ ok: true });
    expect(verifyRequest(new Map(Object.entries({ ...params, signature: `${signature.slice(1)}A` })), keys)).toMatchObject({ ok: false });
    const past = { ...params, expires: '2020-01-01T00:00:00+0000' };
    expect(verifyRequest(new Map(Object.entries({ ...past, signature: signRequest(past, keys.secretKey) })), keys)).toEqual({
      ok: false,
      why: 'expired',
    });
  });
});

/** The log censor: secrets are replaced at any depth and in any case; objects without secrets pass untouched. */
import { describe, expect, it } from 'vitest';
import { CENSORED, censorSecrets } from '../core/src/logging/censor-secrets.js';

describe('censorSecrets', () => {
  it('replaces secret-named values at the top level and nested, whatever the key’s case', () => {
    const out = censorSecrets({
      password: 'p',
      req: { headers: { Authorization: 'Bearer x', 'X-API-Key': 'k', accept: 'json' } },
      list: [{ clientSecret: 's', ok: 1 }],
      deep: { a: { b: { token: 't' } } },
    });
    expect(out).toEqual({
      password: CENSORED,
      req: { headers: { Authorization: CENSORED, 'X-API-Key': CENSORED, accept: 'json' } },
      list: [{ clientSecret: CENSORED, ok: 1 }],
      deep: { a: { b: { token: CENSORED } } },
    });
  });

  it('returns the same object when nothing is secret, and never mutates its input', () => {
    const clean = { method: 'GET', path: '/x', nested: { status: 200 } };
    expect(censorSecrets(clean)).toBe(clean);
    const dirty = { user: 'ann', password: 'open sesame' };
    censorSecrets(dirty);
    expect(dirty.password).toBe('open sesame');
  });

  it('leaves class instances (errors, dates) to their serializers', () => {
    const err = Object.assign(new Error('boom'), { detail: 'x' });
    const when = new Date(0);
    expect(censorSecrets({ err, when })).toEqual({ err, when });
  });
});

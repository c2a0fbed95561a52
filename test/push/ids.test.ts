/** Push ids sort in creation order, also when many are made within one millisecond. */
import { describe, expect, it } from 'vitest';
import { newId } from '../../plugins/push/src/ids.js';

describe('newId', () => {
  it('sorts in the order the ids were made, within one millisecond too', () => {
    const at = Date.UTC(2026, 11, 7, 17, 0, 0);
    const ids = Array.from({ length: 1000 }, () => newId('dev', at));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(1000);
    const later = newId('dev', at + 1);
    expect(later > ids[999]).toBe(true);
  });

  it('has the documented shape: prefix, 9 time characters, 4 sequence characters, 8 random ones', () => {
    expect(newId('snd')).toMatch(/^snd_[0-9a-z]{21}$/);
  });
});

import { describe, expect, it } from 'vitest';

import { hasLoneSurrogate } from '../src/index.js';
import { UserIdSchema } from '../src/ids.js';

describe('hasLoneSurrogate', () => {
  it('accepts well-formed text, astral characters included', () => {
    for (const s of ['', 'general', 'héllo wörld', '😀', 'a😀b😀', '\u{10ffff}', '\ud83d\ude00']) expect(hasLoneSurrogate(s)).toBe(false);
  });

  it('finds an unpaired high or low surrogate anywhere, and a pair in the wrong order', () => {
    for (const s of ['\ud800', '\udc00', 'a\ud800b', 'a\udfff', '\ud83d', 'x😀\ude00', '\ude00\ud83d', '😀\ud83d']) expect(hasLoneSurrogate(s)).toBe(true);
  });

  it('is what refuses a user id that is not well-formed Unicode', () => {
    expect(UserIdSchema.safeParse('user\ud800').success).toBe(false);
    expect(UserIdSchema.safeParse('user😀').success).toBe(true);
  });
});

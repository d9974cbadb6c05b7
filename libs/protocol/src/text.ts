/**
 * Text helpers shared by the schemas that carry human-entered strings. Pure, browser-safe.
 */

/**
 * Number of Unicode code points in `s` (what a user calls "characters"; an emoji such as "😀"
 * is one, although it is two UTF-16 code units). An unpaired surrogate counts as one.
 * O(n), allocates nothing, so it is safe on a 64 KiB frame.
 */
export function codePointLength(s: string): number {
  let count = 0;
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

/** With the `u` flag, `\p{Cs}` matches only unpaired surrogates. */
const LONE_SURROGATE = /\p{Cs}/u;

/** `String.prototype.isWellFormed` (ES2024: Node 20, current browsers), else undefined. */
const isWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

/**
 * True when `s` contains an unpaired UTF-16 surrogate. JSON.parse produces one from an escape
 * such as "\ud800"; it cannot be encoded as UTF-8, so a driver would silently replace it with
 * U+FFFD (or a store reject it). Checked on every id and content of every bus message, so the
 * native `isWellFormed` where there is one (a fifth of the regular expression's time), else the
 * regular expression.
 */
export const hasLoneSurrogate: (s: string) => boolean = isWellFormed ? (s) => !isWellFormed.call(s) : (s) => LONE_SURROGATE.test(s);

/** True when `s` contains a C0 or C1 control character or DEL (tab and newline included). */
export function hasControlChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    if (unit <= 0x1f || (unit >= 0x7f && unit <= 0x9f)) return true;
  }
  return false;
}

/**
 * True when `s` contains U+0000. PostgreSQL `text` cannot store it, so an accepted message
 * containing it would fail only at insert time; the schemas reject it at the edge instead.
 */
export function hasNul(s: string): boolean {
  return s.includes('\u0000');
}

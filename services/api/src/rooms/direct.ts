import { createHash } from 'node:crypto';

/**
 * The room id of the direct conversation of two users: the same whichever asks (the pair is
 * sorted), a valid slug whatever the user ids are (a hash), and `dm-` marks it in logs and
 * subjects. 160 bits of SHA-256 leave collisions out of reach.
 */
export function directRoomId(a: string, b: string): string {
  const [first, second] = a < b ? [a, b] : [b, a];
  return `dm-${createHash('sha256').update(JSON.stringify([first, second])).digest('hex').slice(0, 40)}`;
}

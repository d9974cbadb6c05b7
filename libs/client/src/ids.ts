import type { ClientMsgId } from '@parley/protocol';

/**
 * A new `client_msg_id`: a random RFC 9562 version 4 UUID. Uses `crypto.randomUUID` where it
 * exists; browsers expose it only in secure contexts (https, localhost), so elsewhere (a demo
 * served over plain http on a LAN address) the UUID is built from `crypto.getRandomValues`,
 * which every context has.
 */
export function newClientMsgId(): ClientMsgId {
  const crypto = globalThis.crypto;
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40; // version 4
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // variant 10
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

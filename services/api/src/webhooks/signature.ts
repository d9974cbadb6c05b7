import { createHmac } from 'node:crypto';

/**
 * `Parley-Signature: t=<ms since epoch>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. The
 * timestamp is signed with the body, so a receiver can refuse a replayed old request; `v1` names
 * the scheme, so another can be added beside it later (Stripe's layout).
 */
export function signatureHeader(secret: string, body: string, timestampMs: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampMs}.${body}`).digest('hex');
  return `t=${timestampMs},v1=${mac}`;
}

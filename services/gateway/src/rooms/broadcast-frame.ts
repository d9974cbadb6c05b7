import { serverEnvelope, type ServerMessageData, type ServerMessageType } from '@parley/protocol';

/** Stands in for the recipient's session id in the shared encoding: the nil UUID, 36 bytes like any. */
const PLACEHOLDER = '00000000-0000-0000-0000-000000000000';

/**
 * A room broadcast encoded once per gateway, addressed to nobody yet. Every envelope carries the
 * recipient's own session id (a session id is a credential, so no frame may carry another's),
 * so each member gets a copy with its id written over the placeholder: a memcpy of the frame and
 * 36 bytes, instead of a JSON.stringify per member.
 */
export class BroadcastFrame {
  /** Copies are cut from one slab per `recipients` copies: one allocation per broadcast, not per member. */
  private slab: Buffer | undefined;
  private cut = 0;

  private constructor(
    readonly bytes: Buffer,
    /** Byte offset of the session id inside `bytes`. */
    readonly sessionAt: number,
    private readonly recipients: number,
  ) {}

  /** `recipients`: how many copies to expect (the local members); more are served too. */
  static encode<T extends ServerMessageType>(type: T, data: ServerMessageData<T>, recipients = 1): BroadcastFrame {
    const bytes = Buffer.from(JSON.stringify(serverEnvelope(type, PLACEHOLDER, data)));
    // `session_id` precedes `data` in the envelope, so the first match is the envelope's own field.
    const sessionAt = bytes.indexOf(`"session_id":"${PLACEHOLDER}"`) + '"session_id":"'.length;
    return new BroadcastFrame(bytes, sessionAt, Math.max(1, recipients));
  }

  /** This frame addressed to `sessionId` (a UUID: 36 ASCII bytes). */
  for(sessionId: string): Buffer {
    const size = this.bytes.length;
    if (this.slab === undefined || this.cut + size > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(size * this.recipients);
      this.cut = 0;
    }
    const out = this.slab.subarray(this.cut, (this.cut += size));
    out.set(this.bytes);
    out.write(sessionId, this.sessionAt, PLACEHOLDER.length, 'latin1');
    return out;
  }
}

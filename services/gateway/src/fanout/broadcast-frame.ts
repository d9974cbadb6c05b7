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
  private constructor(
    readonly bytes: Buffer,
    /** Byte offset of the session id inside `bytes`. */
    readonly sessionAt: number,
  ) {}

  static encode<T extends ServerMessageType>(type: T, data: ServerMessageData<T>): BroadcastFrame {
    const bytes = Buffer.from(JSON.stringify(serverEnvelope(type, PLACEHOLDER, data)));
    // `session_id` precedes `data` in the envelope, so the first match is the envelope's own field.
    return new BroadcastFrame(bytes, bytes.indexOf(`"session_id":"${PLACEHOLDER}"`) + '"session_id":"'.length);
  }

  /** This frame addressed to `sessionId` (a UUID: 36 ASCII bytes). */
  for(sessionId: string): Buffer {
    const out = Buffer.allocUnsafe(this.bytes.length);
    this.bytes.copy(out);
    out.write(sessionId, this.sessionAt, PLACEHOLDER.length, 'latin1');
    return out;
  }
}

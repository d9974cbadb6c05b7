import type { JoinRoomData, RoomId } from '@parley/protocol';

/**
 * The rooms a client wants to be in and, per room, the last `seq` it delivered. This is what makes
 * delivery of the room's log (messages, edits, deletes, reactions) exactly-once and in order per
 * room on top of an at-most-once live path:
 * - a message at or below the last `seq` is a duplicate (a replay overlapping live traffic);
 * - a message above `last + 1` is a gap: it is dropped and the room is rejoined with
 *   `since_seq = last`, so the server replays the hole (and that message) in order;
 * - after a reconnect every room is rejoined with its last `seq`.
 */

interface RoomState {
  /** Highest `seq` delivered; undefined until the first `room_joined` or message. */
  lastSeq: number | undefined;
  /** A `join_room` is on its way: further gaps wait for its replay instead of asking again. */
  rejoinPending: boolean;
}

/** What to do with an incoming chat message. */
export type Verdict =
  | { readonly action: 'deliver' }
  | { readonly action: 'duplicate' }
  | { readonly action: 'untracked' }
  | { readonly action: 'gap'; readonly expected: number; readonly rejoin: JoinRoomData | undefined };

export class RoomTracker {
  readonly #rooms = new Map<RoomId, RoomState>();

  /** Tracked room ids, in the order they were first tracked. */
  list(): RoomId[] {
    return [...this.#rooms.keys()];
  }

  has(roomId: RoomId): boolean {
    return this.#rooms.has(roomId);
  }

  /** The last `seq` delivered in `roomId`, if any. */
  lastSeq(roomId: RoomId): number | undefined {
    return this.#rooms.get(roomId)?.lastSeq;
  }

  /**
   * Starts tracking `roomId` at position `sinceSeq` (history after it is delivered; undefined =
   * live traffic only). A room already tracked keeps its position, so nothing is delivered twice.
   */
  track(roomId: RoomId, sinceSeq?: number): void {
    if (!this.#rooms.has(roomId)) this.#rooms.set(roomId, { lastSeq: sinceSeq, rejoinPending: false });
  }

  /** Stops tracking `roomId`: its later messages are dropped, and it is not rejoined. */
  untrack(roomId: RoomId): void {
    this.#rooms.delete(roomId);
  }

  /** The `join_room` data for `roomId` (with `since_seq` when a position is known), marking it pending. */
  joinData(roomId: RoomId): JoinRoomData {
    const room = this.#rooms.get(roomId);
    if (room !== undefined) room.rejoinPending = true;
    const since = room?.lastSeq;
    return since === undefined ? { room_id: roomId } : { room_id: roomId, since_seq: since };
  }

  /**
   * The `join_room` frames to send on a new connection. `alreadyJoined` are the rooms the
   * welcome says this connection is in: they need a frame only to replay from a known `seq`.
   */
  rejoinAll(alreadyJoined: readonly RoomId[]): JoinRoomData[] {
    const joined = new Set(alreadyJoined);
    const frames: JoinRoomData[] = [];
    for (const [roomId, room] of this.#rooms) {
      room.rejoinPending = false;
      if (joined.has(roomId) && room.lastSeq === undefined) continue;
      frames.push(this.joinData(roomId));
    }
    return frames;
  }

  /** The server confirmed the join: a room without a position starts at the room's `last_seq`. */
  joined(roomId: RoomId, lastSeq: number): void {
    const room = this.#rooms.get(roomId);
    if (room === undefined) return;
    room.rejoinPending = false;
    room.lastSeq ??= lastSeq;
  }

  /**
   * A `join_room` for `roomId` failed. A room the server refuses for good (`drop`) stops being
   * tracked; otherwise it stays tracked, and the next gap or reconnect asks again.
   */
  joinFailed(roomId: RoomId, drop: boolean): void {
    if (drop) this.#rooms.delete(roomId);
    else {
      const room = this.#rooms.get(roomId);
      if (room !== undefined) room.rejoinPending = false;
    }
  }

  /** Decides what to do with a message or durable event of the log, and advances the room's position when it is delivered. */
  accept(message: { readonly room_id: RoomId; readonly seq: number }): Verdict {
    const room = this.#rooms.get(message.room_id);
    if (room === undefined) return { action: 'untracked' };
    if (room.lastSeq === undefined || message.seq === room.lastSeq + 1) {
      room.lastSeq = message.seq;
      return { action: 'deliver' };
    }
    if (message.seq <= room.lastSeq) return { action: 'duplicate' };
    const expected = room.lastSeq + 1;
    if (room.rejoinPending) return { action: 'gap', expected, rejoin: undefined };
    return { action: 'gap', expected, rejoin: this.joinData(message.room_id) };
  }
}

import type { Worker } from '@parley/service';

/** Ticks a room's head is repeated after its last append: one lost head does not leave a hole open. */
const REPEATS = 3;

interface Head {
  seq: number;
  /** Ticks left before the room goes quiet and is forgotten. */
  left: number;
}

/**
 * Room heads: the bus hop is at-most-once, and a lost publish at the tail of a quiet room would
 * otherwise be noticed only when someone posts again. Every `intervalMs`, for each room this
 * instance published to in the last {@link REPEATS} ticks, the highest `seq` it published there is
 * sent on the room's own subject (`kind: 'head'`); a gateway whose members are behind it reads the
 * rest from history. Only the instance that publishes a room's entries knows its head: with the
 * relay, the leader; published after the entries on the same connection, a head never overtakes
 * them. Cost: one small publish per active room per tick, nothing for idle rooms.
 */
export class RoomHeads implements Worker {
  private readonly heads = new Map<string, Head>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly publish: (roomId: string, seq: number) => void,
  ) {}

  /** An entry of `roomId` with `seq` was just published. */
  published(roomId: string, seq: number): void {
    const head = this.heads.get(roomId);
    if (head) {
      head.seq = Math.max(head.seq, seq);
      head.left = REPEATS;
    } else this.heads.set(roomId, { seq, left: REPEATS });
  }

  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    for (const [roomId, head] of this.heads) {
      if (head.left-- <= 0) {
        this.heads.delete(roomId);
        continue;
      }
      try {
        this.publish(roomId, head.seq);
      } catch {
        // The bus is closing or reconnecting: the next tick says it again.
      }
    }
  }
}

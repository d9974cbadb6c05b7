import { subjectMatches } from './define.js';

/** One message in flight inside a broker: wire subject, encoded bytes, and a reply path for requests. */
export interface Envelope {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly respond?: (reply: Uint8Array) => void;
}

export interface Receiver {
  /** Wire subject or pattern. */
  readonly subject: string;
  readonly queue: string | undefined;
  push(envelope: Envelope): void;
}

/**
 * The in-process stand-in for a NATS server: buses created on the same broker hear each other.
 * Opaque: create one with `createMemoryBroker()` and pass it to every `createMemoryBus({ broker })`.
 */
export interface MemoryBroker {
  readonly [BROKER]: true;
}
declare const BROKER: unique symbol;

/**
 * Routes like a NATS server: every plain subscriber gets a copy, and each queue group one copy,
 * to one member (round robin here; NATS picks at random).
 */
export class Broker {
  private readonly receivers = new Set<Receiver>();
  private readonly turns = new Map<string, number>();

  attach(receiver: Receiver): () => void {
    this.receivers.add(receiver);
    return () => this.receivers.delete(receiver);
  }

  /** Returns how many receivers got the message (0: nobody listens, i.e. no responders). */
  dispatch(envelope: Envelope): number {
    const groups = new Map<string, Receiver[]>();
    let delivered = 0;
    for (const r of this.receivers) {
      if (!subjectMatches(r.subject, envelope.subject)) continue;
      if (r.queue === undefined) {
        r.push(envelope);
        delivered++;
      } else {
        const members = groups.get(r.queue);
        if (members) members.push(r);
        else groups.set(r.queue, [r]);
      }
    }
    for (const [queue, members] of groups) {
      const turn = this.turns.get(queue) ?? 0;
      this.turns.set(queue, turn + 1);
      members[turn % members.length]?.push(envelope);
      delivered++;
    }
    return delivered;
  }
}

/** A new, empty in-process broker; buses made on it hear each other and no one else. */
export function createMemoryBroker(): MemoryBroker {
  return new Broker() as unknown as MemoryBroker;
}

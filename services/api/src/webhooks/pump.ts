import type { Consumer, JsMsg } from '@nats-io/jetstream';
import type { Logger } from '@parley/observability';

export interface Pump {
  /** Stops pulling and waits for the messages in hand. */
  stop(): Promise<void>;
}

/**
 * Pulls from a durable JetStream consumer and handles up to `concurrency` messages at once; the
 * pull buffer holds no more than that, so one instance never hoards messages another instance
 * could handle. `handle` acks, naks or terms each message itself and never throws (a throw is
 * logged and the message left to redeliver after its ack wait).
 */
export async function pump(consumer: Consumer, concurrency: number, handle: (msg: JsMsg) => Promise<void>, logger: Logger): Promise<Pump> {
  const messages = await consumer.consume({ max_messages: concurrency });
  const inFlight = new Set<Promise<void>>();
  const loop = (async () => {
    for await (const msg of messages) {
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
      const p: Promise<void> = handle(msg)
        .catch((err: unknown) => logger.error({ err, subject: msg.subject }, 'webhook message handler threw'))
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  })();
  return {
    async stop() {
      await messages.close();
      await loop;
      await Promise.all(inFlight);
    },
  };
}

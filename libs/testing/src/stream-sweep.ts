import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

/**
 * The JetStream streams a test deployment leaves behind: `<label>_<8 hex>_webhook_…`, named from a
 * test's `uniqueId` bus prefix (libs/bus webhookStreams). A deployment's own prefix never has that
 * shape unless it is chosen to.
 */
export const TEST_STREAM = /^[a-z0-9_-]+_[0-9a-f]{8}_webhook_(events|deliveries)$/;

/** Older than any test run: a stream this old belongs to no test still running. */
export const STALE_AFTER_MS = 60 * 60_000;

/**
 * Deletes test streams created more than {@link STALE_AFTER_MS} ago. Every api a test starts
 * creates its deployment's two file-backed streams, and a test that is killed (or a process test
 * that cannot reach in) leaves them on the shared server; swept at each run's start, they stay
 * bounded without any test deleting a stream another run still uses. Returns the names deleted.
 */
export async function sweepTestStreams(natsUrl: string, { now = Date.now(), pattern = TEST_STREAM } = {}): Promise<string[]> {
  const nc = await connect({ servers: natsUrl, timeout: 2_000 });
  try {
    const jsm = await jetstreamManager(nc).catch(() => undefined);
    if (!jsm) return []; // no JetStream on this server: nothing can have been left
    const deleted: string[] = [];
    for await (const info of jsm.streams.list()) {
      const name = info.config.name;
      if (!pattern.test(name) || now - Date.parse(info.created) < STALE_AFTER_MS) continue;
      if (await jsm.streams.delete(name).catch(() => false)) deleted.push(name);
    }
    return deleted;
  } finally {
    await nc.close();
  }
}

import { connect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { ServiceName } from './images.js';

const PROBE_TIMEOUT_MS = 3_000;

/** Resolves when the service at `url` answers a real round trip; rejects with the driver's error. */
export async function probe(name: ServiceName, url: string): Promise<void> {
  switch (name) {
    case 'postgres': {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
      try {
        await client.connect();
        await client.query('SELECT 1');
      } finally {
        await client.end().catch(() => undefined);
      }
      return;
    }
    case 'redis': {
      const redis = new Redis(url, {
        lazyConnect: true,
        connectTimeout: PROBE_TIMEOUT_MS,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      // The failed connect rejects connect(); without a listener ioredis also prints the error.
      redis.on('error', () => undefined);
      try {
        await redis.connect();
        await redis.ping();
      } finally {
        redis.disconnect();
      }
      return;
    }
    case 'nats': {
      // NATS_URL may list a cluster's nodes; any one answering will do.
      const servers = url
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      const nc = await connect({ servers, timeout: PROBE_TIMEOUT_MS, reconnect: false });
      try {
        await nc.flush();
      } finally {
        await nc.close();
      }
      return;
    }
  }
}

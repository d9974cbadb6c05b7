import { subjects, type Bus, type BusSubscription } from '@parley/bus';
import type { Logger } from '@parley/observability';
import type { PresenceMetrics } from '../metrics.js';
import { announce } from './announce.js';
import type { PresenceStore } from './presence.store.js';

/**
 * Consumes the gateways' presence events in the catalogue's queue group (`parley-presence`):
 * each event is applied by one instance. An event that cannot be applied (Redis unreachable) is
 * dropped, not retried: the gateway's next refresh carries the full truth and repairs it.
 */
export function consumePresenceEvents(deps: { bus: Bus; store: PresenceStore; logger: Logger; metrics: PresenceMetrics }): BusSubscription {
  const { bus, store, logger, metrics } = deps;
  return bus.subscribe(subjects.presenceEvents, async (event) => {
    let changes;
    try {
      changes = await store.apply(event);
    } catch (err) {
      metrics.events.inc({ kind: event.kind, outcome: 'failed' });
      // During a known outage the client already said so once; do not log every event.
      const level = store.isConnected() ? 'warn' : 'debug';
      logger[level]({ err, kind: event.kind, gateway_id: event.gateway_id }, 'presence event not applied; the next refresh repairs it');
      return;
    }
    metrics.events.inc({ kind: event.kind, outcome: 'applied' });
    announce(deps, changes, event.at);
  });
}

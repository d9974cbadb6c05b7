import type { PresenceStoreOptions } from '../src/presence/presence.store.js';
import { MemoryPresenceState, MemoryPresenceStore } from '../src/presence/memory.store.js';
import { MemoryGatewayCounters, MemoryGatewayState, type GatewayCountersOptions } from '../src/health/gateway-counters.js';
import { describeGatewayCountersContract } from './gateway-counters.contract.js';
import { describePresenceStoreContract } from './store.contract.js';

process.stderr.write('[parley/testing] presence store: memory (this process)\n');

describePresenceStoreContract('memory', async (options) => {
  const state = new MemoryPresenceState();
  return {
    store: new MemoryPresenceStore(options, state),
    peer: (other: PresenceStoreOptions) => new MemoryPresenceStore(other, state),
    close: async () => undefined,
  };
});

describeGatewayCountersContract('memory', async (options) => {
  const state = new MemoryGatewayState();
  return {
    counters: new MemoryGatewayCounters(options, state),
    peer: (other: GatewayCountersOptions) => new MemoryGatewayCounters(other, state),
    close: async () => undefined,
  };
});

import type { PresenceStoreOptions } from '../src/presence/presence.store.js';
import { MemoryPresenceState, MemoryPresenceStore } from '../src/presence/memory.store.js';
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

import { describe, expect, it } from 'vitest';
import type { GatewayCounters, GatewayCountersOptions } from '../src/health/gateway-counters.js';

export interface CountersTarget {
  counters: GatewayCounters;
  /** Other counters on the same state with other options: a second presence instance. */
  peer(options: GatewayCountersOptions): GatewayCounters;
  close(): Promise<void>;
}

const OPTIONS: GatewayCountersOptions = { retentionMs: 86_400_000 };

/** What every GatewayCounters must do, run against each implementation. */
export function describeGatewayCountersContract(name: string, open: (options: GatewayCountersOptions) => Promise<CountersTarget>): void {
  describe(`gateway counters on ${name}`, () => {
    describe('gateway message counts', () => {
      it('keeps the max within an incarnation, adds up restarts, and folds silent gateways', async () => {
        const fresh = await open(OPTIONS);
        const s = fresh.counters;
        const t0 = Date.now() - 600_000;
        try {
          expect(
            await s.record([
              { gatewayId: 'g1', startedAtMs: t0, messages: 10 },
              { gatewayId: 'g2', startedAtMs: t0, messages: 5 },
            ]),
          ).toBe(15);
          // An older report of the same incarnation, landing late, never lowers it (start times within the tolerance).
          expect(await s.record([{ gatewayId: 'g1', startedAtMs: t0 + 1_000, messages: 8 }])).toBe(15);
          // g1 restarted under the same id: its old count is retired, the new one adds up.
          expect(await s.record([{ gatewayId: 'g1', startedAtMs: t0 + 300_000, messages: 2 }])).toBe(17);
          expect(await s.record([])).toBe(17);
          const folding = fresh.peer({ ...OPTIONS, retentionMs: -1 });
          expect(await folding.record([])).toBe(17);
          // Silent longer than the retention (here: at once), a gateway's count moves to the retired total.
          expect(await folding.record([{ gatewayId: 'g3', startedAtMs: t0, messages: 3 }])).toBe(20);
          expect(await s.record([])).toBe(20);
        } finally {
          await fresh.close();
        }
      });
    });
  });
}

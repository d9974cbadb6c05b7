import { createLogger } from '@parley/observability';
import type { RoomEvent } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import type { GatewayMetrics } from '../health/metrics.js';
import type { RoomSubscriptions } from './subscriptions.js';
import type { Connection } from '../ws/connection.js';
import { createFanout } from './fanout.js';

/** A member as fanout sees it: open, with a stream for the room that is admitted or still being checked. */
function member(admitted: boolean) {
  const sent: unknown[] = [];
  const conn = {
    isOpen: () => true,
    rooms: new Map([['vault', { admitted }]]),
    sendFrame: (_type: string, data: unknown) => void sent.push(data),
  };
  return { conn: conn as unknown as Connection, sent };
}

const joined: RoomEvent = { kind: 'system', action: 'user_joined', user_id: 'ann', room_id: 'vault', at: Date.now() };

describe('fanout of presence events', () => {
  it('reaches admitted members only, never a connection whose join is still being checked', () => {
    const admitted = member(true);
    const checking = member(false);
    const rooms = { members: () => new Set([admitted.conn, checking.conn]) } as unknown as RoomSubscriptions;
    const fanout = createFanout(rooms, { broadcasts: { inc() {} } } as unknown as GatewayMetrics, createLogger({ service: 'gateway', level: 'silent' }));
    fanout('vault', joined);
    expect(admitted.sent).toEqual([{ action: 'user_joined', user_id: 'ann', room_id: 'vault' }]);
    expect(checking.sent).toEqual([]);
  });
});

import type { RoomEvent } from '@parley/protocol';
import { ServerMessageSchema } from '@parley/protocol';
import { isType, texts } from '@parley/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { droppingBus, GatewayTestbed, stillOpen, type TestGateway } from './stack.js';

/**
 * Room heads (the api's ROOM_HEADS_INTERVAL_MS): a publish lost at the tail of a quiet room reaches
 * the members from history within about one interval, with no further traffic.
 */
const INTERVAL_MS = 500;
/** The bound the test holds the gateway to: one interval and a history read, with room for a loaded machine. */
const BOUND_MS = 4 * INTERVAL_MS;

const withHeads = new GatewayTestbed('heads');
const withoutHeads = new GatewayTestbed('noheads');
afterAll(async () => {
  await Promise.all([withHeads.close(), withoutHeads.close()]);
});

/** A gateway that loses the publish of the message whose content is `lost`, once. */
async function lossyGateway(bed: GatewayTestbed, lost: string) {
  const dropped: number[] = [];
  const gateway = await bed.gateway(
    {},
    {
      wrapBus: (bus) =>
        droppingBus(bus, (payload) => {
          const event = payload as RoomEvent;
          if (event.kind !== 'message' || event.message.content !== lost || dropped.length > 0) return false;
          dropped.push(event.message.seq);
          return true;
        }),
    },
  );
  return { gateway, dropped };
}

/** A sender on `other` and a member on `lossy`, in a fresh room that has one message delivered; then the tail message, lost to the member's gateway. */
async function loseTheTail(bed: GatewayTestbed, other: TestGateway, lossy: TestGateway, roomId: string) {
  expect((await bed.stack.rest('/api/rooms/', { room_id: roomId, name: roomId })).status).toBe(201);
  const sender = await bed.connect(`${other.ws}/ws/chat/${roomId}/`);
  const member = await bed.connect(`${lossy.ws}/ws/chat/${roomId}/`);
  await Promise.all([sender.next(isType('system_message', 'room_joined')), member.next(isType('system_message', 'room_joined'))]);
  sender.sendText('first', roomId);
  expect((await member.next(isType('text_message'))).data).toMatchObject({ content: 'first', seq: 1 });
  sender.sendText('tail', roomId, { client_msg_id: 'tail' });
  expect((await sender.next((f) => f.type === 'message_ack' && f.data['client_msg_id'] === 'tail')).data).toMatchObject({ seq: 2 });
  const sentAt = Date.now();
  // The sender's own gateway heard it: the publish happened, only the member's gateway lost it.
  await sender.next((f) => f.type === 'text_message' && f.data['content'] === 'tail');
  return { sender, member, sentAt };
}

async function headCatchUps(gateway: TestGateway): Promise<number> {
  const text = await (await fetch(`${gateway.http}/metrics`)).text();
  return Number(/^parley_gateway_head_catchups_total(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? NaN);
}

describe('room heads', () => {
  let other: TestGateway;
  let lossy: { gateway: TestGateway; dropped: number[] };
  beforeAll(async () => {
    await withHeads.start({ ROOM_HEADS_INTERVAL_MS: String(INTERVAL_MS) });
    [other, lossy] = await Promise.all([withHeads.gateway(), lossyGateway(withHeads, 'tail')]);
  });

  it('deliver a publish lost at the tail of a quiet room within the bound, with no further traffic, and never as a frame', async () => {
    const { member, sentAt } = await loseTheTail(withHeads, other, lossy.gateway, 'quiet-tail');
    expect(lossy.dropped).toEqual([2]);
    const tail = await member.next((f) => f.type === 'text_message' && f.data['content'] === 'tail', { timeoutMs: BOUND_MS });
    expect(Date.now() - sentAt).toBeLessThan(BOUND_MS);
    expect(tail.data).toMatchObject({ room_id: 'quiet-tail', seq: 2 });
    expect(tail.session_id).toBe(member.sessionId);
    // More heads follow (the room stays active for a few intervals): none reaches the client, nothing is doubled.
    await new Promise((r) => setTimeout(r, 3 * INTERVAL_MS));
    await stillOpen(member, 1);
    expect(texts(member, 'quiet-tail').map((f) => f.data['seq'])).toEqual([1, 2]);
    for (const frame of member.frames) expect(ServerMessageSchema.safeParse(frame).success, JSON.stringify(frame)).toBe(true);
    expect(member.frames.some((f) => f.type === 'head' || JSON.stringify(f).includes('"head"'))).toBe(false);
    // One head found the member behind; the repeats found it caught up.
    expect(await headCatchUps(lossy.gateway)).toBe(1);
    expect(await headCatchUps(other)).toBe(0);
  });
});

describe('without room heads (ROOM_HEADS_INTERVAL_MS=0)', () => {
  let other: TestGateway;
  let lossy: { gateway: TestGateway; dropped: number[] };
  beforeAll(async () => {
    await withoutHeads.start({ ROOM_HEADS_INTERVAL_MS: '0' });
    [other, lossy] = await Promise.all([withoutHeads.gateway(), lossyGateway(withoutHeads, 'tail')]);
  });

  it('the lost tail stays lost past the bound: the hook really drops it, and only heads bring it back', async () => {
    const { sender, member } = await loseTheTail(withoutHeads, other, lossy.gateway, 'quiet-tail');
    expect(lossy.dropped).toEqual([2]);
    await new Promise((r) => setTimeout(r, BOUND_MS));
    await stillOpen(member, 1);
    expect(texts(member, 'quiet-tail').map((f) => f.data['seq'])).toEqual([1]);
    // The next message reveals the hole, as before heads.
    sender.sendText('next', 'quiet-tail');
    await member.next((f) => f.type === 'text_message' && f.data['seq'] === 3);
    expect(texts(member, 'quiet-tail').map((f) => f.data['seq'])).toEqual([1, 2, 3]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isType, texts } from '@parley/testing';
import { GatewayTestbed, type TestGateway } from './stack.js';

/** The trust boundary on the socket: a session id is a credential, so no frame carries another's. */

const bed = new GatewayTestbed('trust');
const { gateway, connect } = bed;
let gw: TestGateway;
let gw2: TestGateway;

beforeAll(async () => {
  await bed.start();
  [gw, gw2] = await Promise.all([gateway(), gateway()]);
});

afterAll(bed.close);

describe('session ids', () => {
  it('never reach another client: live broadcasts (same and other gateway) and replays carry the recipient’s own id', async () => {
    const ann = await connect(`${gw.ws}/ws/chat/general/`);
    const bob = await connect(`${gw.ws}/ws/chat/general/`);
    const cid = await connect(`${gw2.ws}/ws/chat/general/`);
    for (let i = 0; i < 3; i++) ann.sendText(`hello ${i}`, 'general', { client_msg_id: `leak-${i}` });
    await Promise.all([bob, cid].map((c) => c.collect((f) => f.type === 'text_message' && f.data['user_id'] === ann.welcome['user_id'], 3)));

    // A late joiner gets the same messages replayed from history.
    const dan = await connect(`${gw2.ws}/ws/chat/`);
    dan.send({ type: 'join_room', data: { room_id: 'general', since_seq: 0 } });
    await dan.collect((f) => f.type === 'text_message' && f.data['user_id'] === ann.welcome['user_id'], 3);

    for (const client of [bob, cid, dan]) {
      expect(client.raw.join('\n')).not.toContain(ann.sessionId);
      const received = texts(client, 'general');
      expect(received.length).toBeGreaterThanOrEqual(3);
      for (const frame of received) expect(frame.session_id).toBe(client.sessionId);
    }
    // The sender's own copies are addressed to the sender.
    const own = await ann.collect((f) => f.type === 'text_message' && f.data['user_id'] === ann.welcome['user_id'], 3);
    for (const frame of own) expect(frame.session_id).toBe(ann.sessionId);
    expect(ann.frames.some(isType('message_ack'))).toBe(true);
  });
});

import { isError, isType, TestSocket } from '@parley/testing';
import type { TestStack } from './stack.js';

async function session(stack: TestStack, user_id: string): Promise<string> {
  const res = await stack.rest<{ session_id: string }>('POST', '/api/sessions/', { user_id });
  if (res.status !== 201) throw new Error(`POST /api/sessions/: ${res.status}`);
  return res.body.session_id;
}

/**
 * One of everything the dashboard shows, through the edge: a message stored and acknowledged, an
 * error frame (VALIDATION_ERROR), a socket closed for flooding (rate_limit_abuse), REST reads.
 */
export async function everyKindOfTraffic(stack: TestStack): Promise<void> {
  const socket = await TestSocket.connect(`${stack.wsUrl}?session_id=${await session(stack, 'metered')}`);
  socket.sendText('hello', 'general', { client_msg_id: 'm-1' });
  await socket.next(isType('message_ack'));
  socket.send({ type: 'no_such_type', data: {} });
  await socket.next(isError('VALIDATION_ERROR'));
  socket.close();
  await socket.closed;

  const flooder = await TestSocket.connect(`${stack.wsUrl}?session_id=${await session(stack, 'flooder')}`);
  for (let i = 0; i < 200; i++) flooder.send({ type: 'heartbeat', data: { sequence: i } });
  const { code } = await flooder.closed;
  if (code !== 4429) throw new Error(`the flooder was closed with ${code}, not 4429`);
  await stack.rest('GET', '/api/rooms/');
  await stack.rest('GET', '/api/rooms/general/messages/?limit=5');
}

/** A message and a REST read every `everyMs` until stopped: keeps every rate and histogram moving. */
export async function steadyTraffic(stack: TestStack, everyMs = 300): Promise<{ stop(): Promise<void> }> {
  const socket = await TestSocket.connect(`${stack.wsUrl}?session_id=${await session(stack, 'steady')}`);
  let n = 0;
  const timer = setInterval(() => {
    socket.sendText(`tick ${++n}`, 'general', { client_msg_id: `tick-${n}` });
    void stack.rest('GET', '/api/rooms/general/').catch(() => undefined);
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      socket.close();
      await socket.closed;
    },
  };
}

/**
 * The baseline: a bare `ws` broadcast server with no persistence, no NATS, no limits. A text frame
 * `{type: 'text_message', data: {content, room_id}}` is stamped with the room's next seq, encoded
 * once and sent to every socket of the room (the path `/ws/chat/<room>/` joins it). What the
 * gateway adds on top (auth, validation, storage, cross-process fan-out) is measured against this.
 */
import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

const rooms = new Map<string, { seq: number; members: Set<WebSocket> }>();
const server = createServer((req, res) => {
  res.writeHead(req.url === '/readyz' ? 200 : 404).end();
});
const wss = new WebSocketServer({ server, maxPayload: 65_536, perMessageDeflate: false, clientTracking: false });

wss.on('connection', (socket, req) => {
  const roomId = /^\/ws\/chat\/([a-z0-9_-]+)\/?/.exec(req.url ?? '')?.[1];
  const room = roomId === undefined ? undefined : (rooms.get(roomId) ?? { seq: 0, members: new Set<WebSocket>() });
  if (roomId !== undefined && room) {
    rooms.set(roomId, room);
    room.members.add(socket);
  }
  socket.send(JSON.stringify({ type: 'system_message', data: { action: 'welcome' } }));
  socket.on('message', (data) => {
    if (!room) return;
    const frame = JSON.parse(data.toString()) as { data: { content: string } };
    const out = Buffer.from(
      JSON.stringify({ type: 'text_message', timestamp: Date.now(), data: { room_id: roomId, seq: ++room.seq, content: frame.data.content } }),
    );
    for (const member of room.members) member.send(out, { binary: false });
  });
  socket.on('close', () => room?.members.delete(socket));
});

server.listen(Number(process.env['PORT'] ?? 0), process.env['HOST'] ?? '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));

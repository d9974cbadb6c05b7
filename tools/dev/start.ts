/**
 * `npm start`: the whole stack on this machine, as processes, behind one local origin.
 * Needs PostgreSQL, Redis and NATS (with JetStream) on their default ports, or their URLs in
 * DATABASE_URL / REDIS_URL / NATS_URL. Creates the database if missing, migrates, starts
 * API_INSTANCES api, GATEWAYS gateway and PRESENCE_INSTANCES presence processes (1 each by
 * default) and the edge on http://127.0.0.1:8080 (EDGE_PORT). Ctrl-C stops everything: each
 * service gets SIGTERM and drains.
 */
import { fileURLToPath } from 'node:url';
import PinoPretty from 'pino-pretty';
import { startStack } from './stack.js';

const env = process.env;
const count = (name: string) => Math.max(1, Number(env[name] ?? 1) || 1);
const edgePort = Number(env['EDGE_PORT'] ?? 8080);
const passThrough = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));

const pretty = PinoPretty({ colorize: process.stdout.isTTY, translateTime: 'HH:MM:ss', ignore: 'pid,hostname' });
const print = (instance: string, line: string) =>
  pretty.write(line.startsWith('{') ? `${line}\n` : `${JSON.stringify({ level: 30, time: Date.now(), instance, msg: line })}\n`);

const stack = await startStack({
  apis: count('API_INSTANCES'),
  gateways: count('GATEWAYS'),
  presences: count('PRESENCE_INSTANCES'),
  edgePort,
  env: {
    ...passThrough,
    DATABASE_URL: env['DATABASE_URL'] ?? 'postgres://postgres:postgres@127.0.0.1:5432/parley',
    PUBLIC_WS_URL: env['PUBLIC_WS_URL'] ?? `ws://127.0.0.1:${edgePort}/ws/chat/`,
    // Browsers on the local origin (the demo page) may open WebSockets; other sites may not.
    WS_ALLOWED_ORIGINS: env['WS_ALLOWED_ORIGINS'] ?? `http://127.0.0.1:${edgePort},http://localhost:${edgePort}`,
    LOG_LEVEL: env['LOG_LEVEL'] ?? 'info',
  },
  onLine: print,
  staticDir: fileURLToPath(new URL('../../libs/client/demo', import.meta.url)),
}).catch((error: unknown) => {
  process.stderr.write(`npm start failed: ${(error as Error).message}\n`);
  process.exit(1);
});

process.stdout.write(
  `\nParley is up on ${stack.edge.url}\n  chat:   ws://127.0.0.1:${edgePort}/ws/chat/\n  health: ${stack.edge.url}/healthz\n  docs:   ${stack.edge.url}/docs\n\n`,
);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  process.stdout.write('\nstopping…\n');
  await stack.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
for (const s of stack.instances) {
  s.child.on('exit', (code) => {
    if (!stopping) process.stderr.write(`${s.name} exited with ${code}\n`);
  });
}

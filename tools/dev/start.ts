/**
 * `npm start`: the whole stack on this machine behind one local origin, http://127.0.0.1:8080
 * (EDGE_PORT). First it asks PostgreSQL, Redis and NATS (their URLs in DATABASE_URL / REDIS_URL /
 * NATS_URL, else the default local ports) whether they are there:
 * - all answer: the full stack as processes. Creates the database if missing, migrates, starts
 *   API_INSTANCES api, GATEWAYS gateway and PRESENCE_INSTANCES presence processes (1 each by
 *   default) and the edge. Ctrl-C stops everything: each service gets SIGTERM and drains. A
 *   process that dies is restarted with backoff while the edge routes around it; one that cannot
 *   be restarted stops the whole stack with a message.
 * - none answers, or PARLEY_EMBEDDED=1: embedded mode (embedded.ts), one process, data under
 *   .parley/data (PARLEY_EMBEDDED_DATA: another directory, or `memory` for a throwaway run).
 * - some answer: it stops and says which are missing and how to go on.
 */
import { probe } from '@parley/testing/probe';
import { ENV_VAR, LOCAL_DEFAULT, SERVICE_NAMES, type ServiceName } from '@parley/testing';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import PinoPretty from 'pino-pretty';
import { startEmbedded } from './embedded.js';
import { chooseMode } from './mode.js';
import { allowedOrigins } from './origins.js';
import { startStack } from './stack.js';

const env = process.env;
const count = (name: string) => Math.max(1, Number(env[name] ?? 1) || 1);
const edgePort = Number(env['EDGE_PORT'] ?? 8080);
const origins = allowedOrigins(edgePort, env['WS_ALLOWED_ORIGINS']);
const passThrough = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));

const pretty = PinoPretty({ colorize: process.stdout.isTTY, translateTime: 'HH:MM:ss', ignore: 'pid,hostname' });
const print = (instance: string, line: string) =>
  pretty.write(line.startsWith('{') ? `${line}\n` : `${JSON.stringify({ level: 30, time: Date.now(), instance, msg: line })}\n`);

const databaseUrl = env['DATABASE_URL'] ?? 'postgres://postgres:postgres@127.0.0.1:5432/parley';
const probeUrl = (name: ServiceName): string => {
  if (name !== 'postgres') return env[ENV_VAR[name]] ?? LOCAL_DEFAULT[name];
  // The maintenance database: the full stack creates its own database if missing.
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  return admin.toString();
};
const flagged = env['PARLEY_EMBEDDED'] === '1' || env['PARLEY_EMBEDDED'] === 'true';
const answers = flagged
  ? []
  : await Promise.all(
      SERVICE_NAMES.map(
        async (name) =>
          [
            name,
            await probe(name, probeUrl(name)).then(
              () => true,
              () => false,
            ),
          ] as const,
      ),
    );
const mode = chooseMode(Object.fromEntries(answers) as Record<ServiceName, boolean>, env);
if (mode.kind === 'incomplete') {
  process.stderr.write(`${mode.message}\n`);
  process.exit(1);
}

const staticDir = fileURLToPath(new URL('../../libs/client/demo', import.meta.url));
const commonEnv = {
  PUBLIC_WS_URL: env['PUBLIC_WS_URL'] ?? `ws://127.0.0.1:${edgePort}/ws/chat/`,
  // The demo page's origin follows EDGE_PORT; other sites only when listed.
  WS_ALLOWED_ORIGINS: origins.join(','),
  LOG_LEVEL: env['LOG_LEVEL'] ?? 'info',
};
const failed = (error: unknown): never => {
  process.stderr.write(`npm start failed: ${(error as Error).message}\n`);
  process.exit(1);
};

const stack = mode.kind === 'embedded' ? await embedded(mode.why) : await full();

async function embedded(why: string) {
  const setting = env['PARLEY_EMBEDDED_DATA'];
  const dataDir = setting === 'memory' ? undefined : setting ? resolve(setting) : fileURLToPath(new URL('../../.parley/data', import.meta.url));
  process.stdout.write(
    `Parley: embedded mode (${why}): api, presence and gateway in this one process, on PGlite, an in-memory bus and in-memory presence.\n` +
      `Parley: data ${dataDir ? `in ${dataDir}` : 'in memory only (PARLEY_EMBEDDED_DATA=memory): gone when this process ends'}. For one machine; see the README for the full stack.\n`,
  );
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const started = await startEmbedded({ edgePort, env: { ...passThrough, ...commonEnv }, dataDir, staticDir, onLine: print }).catch(failed);
  const { api, presence, gateway } = started.urls;
  const services = `  services: api ${api}, presence ${presence}, gateway ${gateway} (each with /metrics)\n`;
  return { edge: started.edge, close: () => started.close(), children: [] as { name: string; child: NodeJS.EventEmitter }[], services };
}

async function full() {
  const where = SERVICE_NAMES.map((name) => `${name} ${probeUrl(name).replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@')}`).join(', ');
  process.stdout.write(
    `Parley: full stack as processes (${where}).\nParley: data in PostgreSQL (${new URL(databaseUrl).pathname.slice(1)}), presence in Redis.\n`,
  );
  const started = await startStack({
    apis: count('API_INSTANCES'),
    gateways: count('GATEWAYS'),
    presences: count('PRESENCE_INSTANCES'),
    edgePort,
    // Presence, the gateways' per-user limits and the api's REST rate limits all share this Redis.
    env: { ...passThrough, ...commonEnv, DATABASE_URL: databaseUrl, REDIS_URL: probeUrl('redis') },
    onLine: print,
    // An instance that cannot be brought back leaves a half stack: stop everything instead.
    onGiveUp: (message) => {
      process.stderr.write(`${message}\nstopping the whole stack\n`);
      void stop(1);
    },
    staticDir,
  }).catch(failed);
  return { edge: started.edge, close: () => started.close(), children: started.instances.map((s) => ({ name: s.name, child: s.child })), services: '' };
}

process.stdout.write(
  `\nParley is up on ${stack.edge.url}\n  chat:   ws://127.0.0.1:${edgePort}/ws/chat/\n  health: ${stack.edge.url}/healthz\n  docs:   ${stack.edge.url}/docs\n  origins (WebSocket and CORS): ${origins.join(', ')}\n${
    env['CORS_ORIGINS'] ? `  CORS only: ${env['CORS_ORIGINS']}\n` : ''
  }  more with WS_ALLOWED_ORIGINS=http://localhost:5173 npm start\n${stack.services}\n`,
);

let stopping = false;
async function stop(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stdout.write('\nstopping…\n');
  await stack.close();
  process.exit(code);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
for (const s of stack.children) {
  s.child.on('exit', (code) => {
    // stack.ts restarts it (with backoff) while the edge routes around it.
    if (!stopping) process.stderr.write(`${s.name} exited with ${code}\n`);
  });
}

// Which test servers answer a TCP connect right now, one line each (nx.json hashes this output
// into the test target's inputs): a run cached while a server was missing, on the embedded
// backends with the suites that need it skipped, is never replayed once the server answers.
import { connect } from 'node:net';
import process from 'node:process';
import { URL } from 'node:url';

const SERVERS = [
  ['DATABASE_URL', 'postgres://127.0.0.1:5432', 5432],
  ['REDIS_URL', 'redis://127.0.0.1:6379', 6379],
  ['NATS_URL', 'nats://127.0.0.1:4222', 4222],
];

const answers = (url, defaultPort) =>
  new Promise((resolve) => {
    let target;
    try {
      target = new URL(url);
    } catch {
      resolve(false);
      return;
    }
    const socket = connect({ host: target.hostname || '127.0.0.1', port: Number(target.port || defaultPort) });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });

const lines = await Promise.all(
  SERVERS.map(async ([name, fallback, port]) => `${name} ${(await answers(process.env[name] || fallback, port)) ? 'answers' : 'silent'}`),
);
process.stdout.write(`${lines.join('\n')}\n`);

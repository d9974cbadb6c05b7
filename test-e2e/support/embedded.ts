import { freePort, spawnScript } from '@parley/testing';
import { once } from 'node:events';

/** Service URLs where nothing listens: embedded mode must not need any of them. */
export const UNREACHABLE = {
  DATABASE_URL: 'postgres://postgres:postgres@127.0.0.1:9/parley',
  REDIS_URL: 'redis://127.0.0.1:9',
  NATS_URL: 'nats://127.0.0.1:9',
} as const;

export interface EmbeddedProcess {
  /** http://127.0.0.1:<edge port> */
  url: string;
  /** Every line it wrote, in order. */
  lines: string[];
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * `npm start` as a user runs it (tools/dev/start.ts through tsx), on a machine where PostgreSQL,
 * Redis and NATS do not answer: resolves once it says it is up.
 */
export async function startEmbeddedProcess(env: Record<string, string>): Promise<EmbeddedProcess> {
  const port = await freePort();
  const lines: string[] = [];
  let up: (url: string) => void;
  const ready = new Promise<string>((resolve) => (up = resolve));
  const { child, output } = spawnScript('tools/dev/start.ts', { ...UNREACHABLE, LOG_LEVEL: 'warn', EDGE_PORT: String(port), ...env }, (line) => {
    lines.push(line);
    const match = /Parley is up on (\S+)/.exec(line);
    if (match) up(match[1]!);
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`embedded stack not up within 120 s:\n${output()}`)), 120_000).unref());
  const url = await Promise.race([ready, exited.then((code) => Promise.reject(new Error(`npm start exited with ${code}:\n${output()}`))), timeout]);
  return {
    url,
    lines,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

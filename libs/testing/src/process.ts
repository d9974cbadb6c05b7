import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export type ServiceKind = 'api' | 'gateway' | 'presence';

export interface ServiceProcess {
  /** `http://127.0.0.1:<port>` of the service. */
  url: string;
  port: number;
  child: ChildProcess;
  /** The last 64 KiB the process wrote, for assertions and failure reports. */
  output(): string;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartServiceOptions {
  /** Environment on top of the test's own (PORT is chosen here unless given). */
  env?: Record<string, string>;
  /** How long to wait for `GET /readyz` to answer 200. */
  readyTimeoutMs?: number;
  /** Called with every line the process writes (stdout and stderr). */
  onLine?: (line: string) => void;
}

/**
 * Runs a TypeScript entry point of this repository (through tsx, reading workspace libs from
 * source) as a child process. Lines of output go to `onLine`; the last 64 KiB to `output()`.
 */
export function spawnScript(script: string, env: Record<string, string>, onLine?: (line: string) => void): { child: ChildProcess; output(): string } {
  const child = spawn(process.execPath, ['--conditions=@parley/source', '--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const stream of [child.stdout!, child.stderr!]) {
    let rest = '';
    stream.on('data', (chunk: Buffer) => {
      // The tail is enough for failure reports; a long `npm start` must not grow without bound.
      output = (output + chunk.toString()).slice(-65_536);
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop()!;
      if (onLine) for (const line of lines) onLine(line);
    });
  }
  return { child, output: () => output };
}

/**
 * Runs `services/<name>/src/main.ts` as a real process, the way the stack runs it, and waits
 * until its `/readyz` answers 200. Tests of one service use this to talk to another without
 * importing it (services never import each other); `npm start` uses it for every instance.
 */
export async function startServiceProcess(name: ServiceKind, options: StartServiceOptions = {}): Promise<ServiceProcess> {
  const port = Number(options.env?.['PORT'] ?? (await freePort()));
  const { child, output } = spawnScript(
    `services/${name}/src/main.ts`,
    { HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...options.env, PORT: String(port) },
    options.onLine,
  );
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const url = `http://127.0.0.1:${port}`;
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} before it was ready:\n${output()}`);
    if (
      await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} was not ready within ${timeoutMs} ms:\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    child,
    output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

import net from 'node:net';

/**
 * A TCP proxy in front of a shared server (Redis, NATS, Postgres), to make it fail for one client
 * without touching the server the other tests use: `pause()` black-holes live connections (bytes
 * wait, nothing errors: a silent partition), `cut()` drops them, `refuse` hangs up on new ones.
 */
export interface TcpProxy {
  /** The target URL with host and port replaced by the proxy's (`redis://127.0.0.1:<port>`). */
  readonly url: string;
  /** While true, every new connection is accepted and closed at once (a failed reconnect). */
  refuse: boolean;
  /** Connections refused so far. */
  readonly refused: number;
  /** Stop moving bytes on live connections. */
  pause(): void;
  resume(): void;
  /** Drop every live connection (the client sees a disconnect). */
  cut(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const targetUrl = new URL(target);
  const defaultPort = { 'redis:': 6379, 'nats:': 4222, 'postgres:': 5432 }[targetUrl.protocol] ?? 0;
  const pairs = new Set<[net.Socket, net.Socket]>();
  let paused = false;
  let refused = 0;
  const each = (fn: (socket: net.Socket) => void) => {
    for (const pair of pairs) pair.forEach(fn);
  };
  const proxy = {
    url: '',
    refuse: false,
    get refused() {
      return refused;
    },
    pause() {
      paused = true;
      each((s) => s.pause());
    },
    resume() {
      paused = false;
      each((s) => s.resume());
    },
    cut() {
      each((s) => s.destroy());
      pairs.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        proxy.cut();
        server.close(() => resolve());
      }),
  };
  const server = net.createServer((client) => {
    if (proxy.refuse) {
      refused++;
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(targetUrl.port || defaultPort), targetUrl.hostname);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    for (const socket of pair) {
      socket.on('error', end);
      socket.on('close', end);
    }
    client.pipe(upstream).pipe(client);
    if (paused) pair.forEach((s) => s.pause());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  proxy.url = url.toString().replace(/\/$/, '');
  return proxy;
}

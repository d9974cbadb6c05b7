import net from 'node:net';

/**
 * A TCP proxy in front of the shared Redis, to make it "stop answering" for one client without
 * touching the server: `pause()` black-holes live connections (bytes wait, nothing errors),
 * `refuse` hangs up on new connections, `cut()` drops live ones.
 */
export interface TcpProxy {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** While true, every new connection is accepted and closed at once. */
  refuse: boolean;
  /** Stop moving bytes on live connections (a silent partition). */
  pause(): void;
  resume(): void;
  /** Drop every live connection (the client sees a disconnect). */
  cut(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(target);
  const pairs = new Set<[net.Socket, net.Socket]>();
  let paused = false;
  const proxy: TcpProxy = {
    url: '',
    refuse: false,
    pause() {
      paused = true;
      for (const [a, b] of pairs) {
        a.pause();
        b.pause();
      }
    },
    resume() {
      paused = false;
      for (const [a, b] of pairs) {
        a.resume();
        b.resume();
      }
    },
    cut() {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
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
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(port || 6379), hostname);
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
    if (paused) {
      client.pause();
      upstream.pause();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  (proxy as { url: string }).url = `redis://127.0.0.1:${address.port}`;
  return proxy;
}

import net from 'node:net';

/**
 * A TCP proxy in front of the shared NATS server, to cause outages for one client without
 * touching the server: `cut()` drops live connections, `refuse` makes it hang up on every new one.
 */
export interface FlakyProxy {
  readonly url: string;
  /** While true, every new connection is accepted and closed at once (a failed reconnect). */
  refuse: boolean;
  /** Connections refused so far. */
  readonly refused: number;
  /** Drops every proxied connection (the client sees a disconnect). */
  cut(): void;
  close(): Promise<void>;
}

export async function startFlakyProxy(target: string): Promise<FlakyProxy> {
  const { hostname, port } = new URL(target);
  const live = new Set<net.Socket>();
  let refused = 0;
  const proxy = {
    url: '',
    refuse: false,
    get refused() {
      return refused;
    },
    cut() {
      for (const socket of live) socket.destroy();
      live.clear();
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
    const upstream = net.connect(Number(port || 4222), hostname);
    live.add(client).add(upstream);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      live.delete(client);
      live.delete(upstream);
    };
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  proxy.url = `nats://127.0.0.1:${address.port}`;
  return proxy;
}

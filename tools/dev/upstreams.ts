import { connect } from 'node:net';

/** How long a TCP connect or a /readyz check may take before the upstream counts as down. */
const CHECK_TIMEOUT_MS = 1_000;

/** True when a TCP connection to `url`'s host and port opens within the timeout. */
function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port), timeout: CHECK_TIMEOUT_MS });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/**
 * Round robin over one service's instances, routing around the dead and the draining:
 * - every `intervalMs` each instance's `/readyz` is checked; one that fails (a gateway draining
 *   answers 503, a hung process does not answer) is left out until it passes again;
 * - every pick is confirmed by a TCP connect first, so an instance killed between two checks
 *   costs the client nothing: the next instance is tried. The extra loopback connect is cheap,
 *   and this edge is for development, not for throughput.
 * When no instance is ready, the not-ready ones are still tried: better a degraded answer than none.
 */
export class Upstreams {
  private readonly ready: Map<string, boolean>;
  private next = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly urls: readonly string[],
    intervalMs: number,
  ) {
    this.ready = new Map(urls.map((url) => [url, true]));
    this.timer = setInterval(() => void this.checkAll(), intervalMs);
    this.timer.unref();
  }

  /** An instance that accepts connections now, or undefined when none does. */
  async pick(): Promise<string | undefined> {
    const start = this.next++;
    const order = this.urls.map((_, i) => this.urls[(start + i) % this.urls.length]!);
    for (const url of [...order.filter((u) => this.ready.get(u)), ...order.filter((u) => !this.ready.get(u))]) {
      if (await reachable(url)) return url;
      this.ready.set(url, false);
    }
    return undefined;
  }

  /** Which instances passed their last check. */
  status(): Record<string, boolean> {
    return Object.fromEntries(this.ready);
  }

  close(): void {
    clearInterval(this.timer);
  }

  private async checkAll(): Promise<void> {
    await Promise.all(
      this.urls.map(async (url) => {
        const ok = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) }).then(
          (res) => (void res.body?.cancel(), res.ok),
          () => false,
        );
        this.ready.set(url, ok);
      }),
    );
  }
}

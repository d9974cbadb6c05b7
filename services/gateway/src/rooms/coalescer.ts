interface Entry<T> {
  at: number;
  pending: T | undefined;
  timer: NodeJS.Timeout | undefined;
}

/**
 * At most one delivery per key per `windowMs`, and never a lost last word: the first value passes
 * at once; values offered within the window replace each other, and the latest is delivered when
 * the window ends (the read receipts' "coalesced, the latest wins").
 */
export class Coalescer<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private prunedAt = 0;

  constructor(
    private readonly windowMs: number,
    private readonly deliver: (key: string, value: T) => void,
  ) {}

  offer(key: string, value: T, now: number = Date.now()): void {
    const entry = this.entries.get(key);
    if (!entry || now - entry.at >= this.windowMs) {
      if (entry) clearTimeout(entry.timer);
      this.entries.set(key, { at: now, pending: undefined, timer: undefined });
      this.prune(now);
      this.deliver(key, value);
      return;
    }
    entry.pending = value;
    if (entry.timer) return;
    entry.timer = setTimeout(() => this.flush(key, entry), entry.at + this.windowMs - now);
    entry.timer.unref();
  }

  /** Drops every pending value (shutdown). */
  close(): void {
    for (const entry of this.entries.values()) clearTimeout(entry.timer);
    this.entries.clear();
  }

  private flush(key: string, entry: Entry<T>): void {
    entry.timer = undefined;
    const value = entry.pending;
    if (value === undefined) return;
    entry.pending = undefined;
    entry.at = Date.now();
    this.deliver(key, value);
  }

  private prune(now: number): void {
    if (this.entries.size <= 1_024 || now - this.prunedAt < this.windowMs) return;
    this.prunedAt = now;
    for (const [key, entry] of this.entries) if (!entry.timer && now - entry.at >= this.windowMs) this.entries.delete(key);
  }
}

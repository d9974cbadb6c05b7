/**
 * At most one event per key within `windowMs`: the first passes, the rest are dropped until the
 * window has passed. One timestamp per key, pruned as the map grows, no timer.
 */
export class Pacer {
  private readonly last = new Map<string, number>();
  private prunedAt = 0;

  constructor(readonly windowMs: number) {}

  /** True when an event for `key` may pass at `now` (and records it). */
  admit(key: string, now: number): boolean {
    const at = this.last.get(key);
    if (at !== undefined && now - at < this.windowMs) return false;
    this.last.set(key, now);
    if (this.last.size > 1_024 && now - this.prunedAt >= this.windowMs) this.prune(now);
    return true;
  }

  private prune(now: number): void {
    this.prunedAt = now;
    for (const [key, at] of this.last) if (now - at >= this.windowMs) this.last.delete(key);
  }
}

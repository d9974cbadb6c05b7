/**
 * The Origin allowlist (cross-site WebSocket hijacking). Exact matches of scheme, host and port
 * only: no wildcards inside a name and no suffix matching, so `https://chat.example.com.evil.example`
 * never passes for `https://chat.example.com`. A handshake without an Origin header comes from a
 * non-browser client (which could forge any Origin anyway) and is allowed.
 */
export class OriginPolicy {
  private readonly any: boolean;
  private readonly allowed: ReadonlySet<string>;

  /** `origins`: exact origins (`https://chat.example.com`), or `*` to allow any. Invalid entries throw. */
  constructor(origins: readonly string[]) {
    this.any = origins.includes('*');
    this.allowed = new Set(
      origins
        .filter((o) => o !== '*')
        .map((o) => {
          const parsed = canonical(o);
          if (parsed === undefined) throw new TypeError(`invalid origin in the allowlist: ${JSON.stringify(o)}`);
          return parsed;
        }),
    );
  }

  allows(origin: string | undefined): boolean {
    if (origin === undefined) return true;
    if (this.any) return true;
    const parsed = canonical(origin);
    return parsed !== undefined && this.allowed.has(parsed);
  }
}

/** `scheme://host[:port]` lower-cased with the default port dropped; undefined for `null` and non-URLs. */
function canonical(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    if (url.pathname !== '/' || url.search !== '' || url.username !== '') return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}

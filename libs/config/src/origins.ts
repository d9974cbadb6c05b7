import { envList } from './env.js';

/**
 * Which browser origins may use the stack: one list for the gateway's WebSocket Origin check
 * and the api's CORS, so a front end allowed to chat is allowed to call REST too. Spread into a
 * service's schema like {@link serviceFields}.
 */
export const originFields = {
  /**
   * Exact browser origins allowed to open a WebSocket (`https://chat.example.com`); `*` allows any.
   * A handshake without an Origin header (not a browser) is always allowed. Empty: no browser origin.
   */
  WS_ALLOWED_ORIGINS: envList().default([]),
  /** Exact origins the api answers CORS requests for (`*`: any); unset, the same as WS_ALLOWED_ORIGINS. */
  CORS_ORIGINS: envList().optional(),
};

/** The origins REST answers CORS requests for: CORS_ORIGINS when set, else WS_ALLOWED_ORIGINS. */
export function corsOrigins(config: {
  readonly WS_ALLOWED_ORIGINS?: readonly string[] | undefined;
  readonly CORS_ORIGINS?: readonly string[] | undefined;
}): readonly string[] {
  return config.CORS_ORIGINS ?? config.WS_ALLOWED_ORIGINS ?? [];
}

import { ParleyError } from './errors.js';
import { callGetToken, describe } from './get-token.js';
import { ERROR_BODY } from './generated/protocol-schemas.js';
import { checkSchema, type JsonSchema } from './schema-check.js';
import { withTimeout } from './timeout.js';
import type { FetchLike, Timers } from './types.js';

/** How a REST call identifies its caller: a Bearer token, else the session (`x-session-id`), else nobody. */
export interface RestCaller {
  readonly token?: string | undefined;
  readonly sessionId?: string | undefined;
}

/** REST calls identify as the socket does: a fresh token from `getToken`, the static token, else the session. */
export async function restCaller(getToken: (() => Promise<string>) | undefined, token: string | undefined, sessionId: string | undefined): Promise<RestCaller> {
  if (getToken === undefined) return { token, sessionId };
  try {
    return { token: await callGetToken(getToken) };
  } catch (err) {
    throw new ParleyError('AUTHENTICATION_ERROR', `getToken failed: ${describe(err)}`, { retryable: true });
  }
}

/** What a REST call needs from the client. */
export interface RestContext {
  readonly apiUrl: URL;
  readonly fetch: FetchLike;
  readonly timers: Timers;
  readonly timeoutMs: number;
  caller(): Promise<RestCaller>;
}

/**
 * GETs `path` from the API and returns the body checked against `schema` (generated from the
 * protocol). Rejects with a {@link ParleyError}: the API's error body (`ROOM_NOT_FOUND`...),
 * `SERVICE_UNAVAILABLE` (retryable) when the API cannot be reached, `INTERNAL_ERROR` for a reply
 * that is not the protocol's shape, or `TIMEOUT` (the request is aborted).
 */
export async function restGet<T>(context: RestContext, path: string, schema: JsonSchema, what: string): Promise<T> {
  const controller = typeof AbortController === 'function' ? new AbortController() : undefined;
  const request = async (): Promise<T> => {
    const { token, sessionId } = await context.caller();
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
    else if (sessionId !== undefined) headers['x-session-id'] = sessionId;
    let response: Awaited<ReturnType<FetchLike>>;
    let body: unknown;
    try {
      response = await context.fetch(new URL(path, context.apiUrl).toString(), { method: 'GET', headers, signal: controller?.signal });
      body = await response.json();
    } catch (err) {
      throw new ParleyError('SERVICE_UNAVAILABLE', `${what} failed: ${describe(err)}`, { retryable: true });
    }
    if (!response.ok) {
      if (checkSchema(ERROR_BODY, body) === undefined) throw ParleyError.fromServer(body as Parameters<typeof ParleyError.fromServer>[0]);
      throw new ParleyError('INTERNAL_ERROR', `${what} failed with HTTP ${response.status}`, { retryable: response.status >= 500 });
    }
    const issue = checkSchema(schema, body);
    if (issue !== undefined) throw new ParleyError('INTERNAL_ERROR', `${what}: unexpected reply (${issue})`);
    return body as T;
  };
  return withTimeout(request(), context.timeoutMs, context.timers, what).catch((err: unknown) => {
    controller?.abort();
    throw err;
  });
}

/**
 * Names whose values are credentials, wherever they appear: query parameters and log fields. A
 * session id is one: it resumes its session.
 */
export const CREDENTIAL_NAMES = ['token', 'access_token', 'refresh_token', 'id_token', 'jwt', 'ticket', 'password', 'secret', 'session_id'] as const;

/** A session id as a path segment (`/api/sessions/<id>/`): the same credential as `?session_id=`. */
const SESSION_IN_PATH = /(\/sessions\/)[^/?#]+/g;

/**
 * Query parameters whose values are credentials, compared case-insensitively after
 * percent-decoding the name (`?TOKEN=`, `?to%6Ben=` count too).
 */
export const SENSITIVE_QUERY_PARAMS: ReadonlySet<string> = new Set([...CREDENTIAL_NAMES, 'api_key']);

/** What a redacted value is replaced with, in URLs and in log fields. */
export const REDACTED = '[REDACTED]';

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' ')).toLowerCase();
  } catch {
    // Malformed percent-encoding: compare the name as written.
    return raw.toLowerCase();
  }
}

/**
 * Returns `url` with the value of every sensitive parameter (see {@link SENSITIVE_QUERY_PARAMS},
 * or `params`) replaced by `[REDACTED]`, in the query and in the fragment (the OAuth implicit flow
 * puts `access_token` there). A redacted value runs to the next `&` or `#`, so `?token=a?b` hides
 * `a?b` whole; a name hiding inside another value (`?q=a?token=b`) is redacted too.
 *
 * A session id in the path (`/api/sessions/<id>/`) is redacted too. Everything else (scheme,
 * host, path, other parameters, their order and encoding) is kept byte for byte: the URL is
 * rewritten as text, never re-serialized. Works on absolute and relative URLs
 * (`/ws/chat/?token=abc&room_id=x`) and never throws: malformed percent-encoding is compared as
 * written, and a non-string comes back as `String(input)`.
 */
export function redactUrl(url: string, params: ReadonlySet<string> = SENSITIVE_QUERY_PARAMS): string {
  if (typeof url !== 'string') return String(url);
  const start = url.search(/[?#]/);
  const path = start === -1 ? url : url.slice(0, start);
  if (path.includes('/sessions/')) url = path.replace(SESSION_IN_PATH, `$1${REDACTED}`) + (start === -1 ? '' : url.slice(start));
  return redactQuery(url, params);
}

function redactQuery(url: string, params: ReadonlySet<string>): string {
  const start = url.search(/[?#]/);
  if (start === -1) return url;

  // A parameter name and its `=`, after the `?`, `&` or `#` that starts it.
  const names = /[?&#]([^?&#=]*)=/g;
  names.lastIndex = start;
  let out = '';
  let copied = 0;
  for (let match = names.exec(url); match !== null; match = names.exec(url)) {
    if (!params.has(decodeName(match[1] ?? ''))) continue;
    const valueStart = match.index + match[0].length;
    const rest = url.slice(valueStart).search(/[&#]/);
    const valueEnd = rest === -1 ? url.length : valueStart + rest;
    out += url.slice(copied, valueStart) + REDACTED;
    copied = valueEnd;
    names.lastIndex = valueEnd;
  }
  return out + url.slice(copied);
}

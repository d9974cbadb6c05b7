/**
 * Names of environment variables whose values must never be echoed (in errors, logs or dumps).
 * Matches SECRET, TOKEN, PASSWORD/PASSWD/PASSPHRASE, KEY, CREDENTIAL(S), PRIVATE anywhere in the
 * name, case-insensitively: `JWT_SECRET`, `NATS_TOKEN`, `PGPASSWORD`, `API_KEY`, `PRIVATE_PEM`.
 * A false positive (`REDIS_KEY_PREFIX`) only hides a value; a false negative leaks one.
 */
const SECRET_NAME = /SECRET|TOKEN|PASSWORD|PASSWD|PASSPHRASE|KEY|CREDENTIAL|PRIVATE/i;

/** True when an environment variable's name says its value is a secret. */
export function isSecretKey(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** `scheme://user:pass@host` → `scheme://***@host`, anywhere in `text`. */
function maskUrlCredentials(text: string): string {
  return text.replace(/\/\/[^/?#]*@/g, '//***@');
}

/** The longest value echoed in a config error; longer values are cut with an ellipsis. */
const MAX_SHOWN_CHARS = 80;

/**
 * A non-secret value made safe to print: credentials embedded in a URL (`scheme://user:pass@host`)
 * are masked, control characters are escaped by JSON quoting, and long values are cut.
 */
export function displayValue(value: string): string {
  const masked = maskUrlCredentials(value);
  const cut = masked.length > MAX_SHOWN_CHARS ? `${masked.slice(0, MAX_SHOWN_CHARS)}…` : masked;
  return JSON.stringify(cut);
}

/**
 * Replaces every occurrence of each secret in `text` with `[REDACTED]`. Secrets shorter than four
 * characters are skipped: replacing "1" or "on" would garble the message without protecting anything.
 */
export function scrubSecrets(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('[REDACTED]');
  }
  return out;
}

/**
 * A shallow copy of a loaded config that is safe to log at startup: the value of every key whose
 * name looks secret becomes `[REDACTED]`, and credentials inside URL strings (also inside arrays of
 * strings) are masked (`postgres://***@db/parley`). Unset secrets stay `undefined`, so the log
 * still shows whether one is configured.
 */
export function redactConfig(config: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (isSecretKey(key) && value !== undefined) out[key] = '[REDACTED]';
    else if (typeof value === 'string') out[key] = maskUrlCredentials(value);
    else if (Array.isArray(value)) out[key] = value.map((item: unknown) => (typeof item === 'string' ? maskUrlCredentials(item) : item));
    else out[key] = value;
  }
  return out;
}

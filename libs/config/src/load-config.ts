import type { z } from 'zod';
import { displayValue, isSecretKey, scrubSecrets } from './secret.js';

/** One problem with one environment variable. `key` is the variable's name (`ORIGINS[1]` for a list item). */
export interface ConfigIssue {
  readonly key: string;
  readonly message: string;
}

/**
 * Thrown by {@link loadConfig} when the environment does not satisfy the schema. `message` lists
 * every problem, one per line, so a deployment is fixed in one round trip; `issues` holds the same
 * list for programs. Values of secret-looking keys (see {@link isSecretKey}) never appear in either.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const lines = issues.map((issue) => `  ${issue.key}: ${issue.message}`);
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super(`Invalid configuration (${count}):\n${lines.join('\n')}`);
    this.issues = Object.freeze([...issues]);
  }
}

/** `T` with every nested property and array element read-only, matching the frozen runtime value. */
export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly (infer U)[]
    ? readonly DeepReadonly<U>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/** The environment as `process.env` presents it: names to string values. */
export type Env = Readonly<Record<string, string | undefined>>;

export interface LoadConfigOptions {
  /**
   * Treat a variable set to the empty string as unset, so its default applies (default `true`).
   * Compose files and shells routinely pass `FOO=` for "not configured".
   */
  readonly emptyAsUnset?: boolean;
}

/**
 * Parses `env` with `schema` (a `z.object` over UPPER_SNAKE variable names, defaults inside) and
 * returns the parsed value deeply frozen: mutating it throws in strict mode.
 *
 * Never partially succeeds: on any problem it throws one {@link ConfigError} listing every bad key
 * with its issue. Non-secret values are echoed (URL credentials masked, long values cut); values of
 * keys whose names look secret are never echoed, and are scrubbed from every issue message.
 * Only a service's `main.ts` should rely on the `process.env` default.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Env = process.env, options: LoadConfigOptions = {}): DeepReadonly<z.output<S>> {
  const { emptyAsUnset = true } = options;
  const input: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || (emptyAsUnset && value === '')) continue;
    input[key] = value;
  }

  const result = schema.safeParse(input);
  if (result.success) return deepFreeze(result.data) as DeepReadonly<z.output<S>>;

  const secrets = Object.keys(input)
    .filter(isSecretKey)
    .map((key) => input[key] ?? '');
  const issues = result.error.issues.map((issue): ConfigIssue => {
    const { key, message } = describeIssue(issue, input);
    return { key, message: scrubSecrets(message, secrets) };
  });
  throw new ConfigError(issues);
}

function describeIssue(issue: z.core.$ZodIssue, input: Readonly<Record<string, string>>): ConfigIssue {
  const [first, ...rest] = issue.path;
  if (typeof first !== 'string') return { key: '(config)', message: issue.message };

  const key = first + rest.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
  const raw = input[first];
  if (raw === undefined) {
    return { key, message: issue.code === 'invalid_type' ? 'is required but not set' : issue.message };
  }
  if (isSecretKey(first) || rest.length > 0) return { key, message: issue.message };
  return { key, message: `${issue.message} (got ${displayValue(raw)})` };
}

/** Freezes `value` and everything reachable from it (own properties, array elements); cycle-safe. */
function deepFreeze<T>(value: T, seen = new WeakSet<object>()): T {
  if (value === null || typeof value !== 'object' || seen.has(value)) return value;
  seen.add(value);
  for (const key of Reflect.ownKeys(value)) {
    deepFreeze((value as Record<PropertyKey, unknown>)[key], seen);
  }
  return Object.freeze(value);
}

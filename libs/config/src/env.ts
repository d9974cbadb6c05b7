import * as z from 'zod';

/** Bounds for a numeric variable, inclusive. */
export interface NumberBounds {
  readonly min?: number;
  readonly max?: number;
}

type Ctx = z.core.$RefinementCtx<string>;

function fail(ctx: Ctx, message: string): never {
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER;
}

function checkBounds(ctx: Ctx, value: number, { min, max }: NumberBounds): number {
  if (min !== undefined && value < min) return fail(ctx, `must be at least ${min}`);
  if (max !== undefined && value > max) return fail(ctx, `must be at most ${max}`);
  return value;
}

const INTEGER = /^[+-]?\d+(?:_\d+)*$/;

/**
 * An integer variable: optional sign, digits, `_` separators allowed (`120_000`). Surrounding
 * whitespace is ignored; anything else (`1.5`, `1e3`, `0x10`, `12abc`) is an error, as is a value
 * outside `min`..`max` (inclusive) or beyond `Number.MAX_SAFE_INTEGER`.
 * @example PORT: envInt({ min: 1, max: 65_535 }).default(3000)
 */
export function envInt(bounds: NumberBounds = {}) {
  return z.string().transform((raw, ctx) => {
    const text = raw.trim();
    if (!INTEGER.test(text)) return fail(ctx, 'expected an integer');
    const value = Number(text.replaceAll('_', ''));
    if (!Number.isSafeInteger(value)) return fail(ctx, 'integer is out of the safe range');
    return checkBounds(ctx, value, bounds);
  });
}

const TRUE = new Set(['true', '1']);
const FALSE = new Set(['false', '0']);

/**
 * A boolean variable: `true`/`1` or `false`/`0`, case-insensitive, surrounding whitespace ignored.
 * Anything else (`yes`, `on`, `flase`) is an error rather than a silent guess, and `'false'` is
 * false (unlike `Boolean('false')`).
 * @example REQUIRE_AUTH: envBool().default(false)
 */
export function envBool() {
  return z.string().transform((raw, ctx) => {
    const text = raw.trim().toLowerCase();
    if (TRUE.has(text)) return true;
    if (FALSE.has(text)) return false;
    return fail(ctx, "expected 'true', 'false', '1' or '0'");
  });
}

/**
 * A comma-separated list: items trimmed, empty items dropped (`"a, b,,"` → `['a', 'b']`).
 * Each item is then parsed with `item` (default: any string), so `envList(envUrl())` is a list of
 * URLs; a bad item is reported as `NAME[index]`.
 * @example ORIGINS: envList(envUrl()).default([])
 */
export function envList<T extends z.ZodType<unknown, string> = z.ZodString>(item?: T) {
  const items = (item ?? z.string()) as T;
  return z
    .string()
    .transform((raw) =>
      raw
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== ''),
    )
    .pipe(z.array(items));
}

/** Which URL schemes {@link envUrl} accepts, with or without the trailing colon. */
export interface UrlOptions {
  readonly protocols?: readonly string[];
}

/**
 * An absolute URL whose scheme is one of `protocols` (default `http`, `https`), e.g.
 * `envUrl({ protocols: ['nats'] })`. Returns the trimmed string as given, not a normalized `href`
 * (`new URL` would turn `http://host` into `http://host/`).
 */
export function envUrl(options: UrlOptions = {}) {
  const allowed = (options.protocols ?? ['http', 'https']).map((p) => p.toLowerCase().replace(/:?$/, ':'));
  return z.string().transform((raw, ctx) => {
    const text = raw.trim();
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return fail(ctx, 'expected an absolute URL');
    }
    if (!allowed.includes(url.protocol)) return fail(ctx, `URL scheme must be one of ${allowed.join(' ')}`);
    return text;
  });
}

const DURATION = /^(\d+(?:_\d+)*(?:\.\d+)?)\s*(ms|s|m|h|d)?$/i;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration in whole milliseconds: a bare number is milliseconds (`1500`), or a number with a
 * unit `ms`, `s`, `m`, `h`, `d` (`30s`, `1.5m`, `2h`). Negative values, other units and fractions
 * of a millisecond are errors; `min`/`max` are in milliseconds, inclusive.
 * Name the variable with its unit: `SHUTDOWN_GRACE_MS: envDurationMs().default(30_000)`.
 */
export function envDurationMs(bounds: NumberBounds = {}) {
  return z.string().transform((raw, ctx) => {
    const match = DURATION.exec(raw.trim());
    const amount = match?.[1];
    if (match === null || amount === undefined) return fail(ctx, "expected a duration such as '1500', '30s' or '5m'");
    const unit = (match[2] ?? 'ms').toLowerCase();
    const value = Number(amount.replaceAll('_', '')) * (UNIT_MS[unit] ?? Number.NaN);
    if (!Number.isSafeInteger(value)) return fail(ctx, 'expected a whole number of milliseconds');
    return checkBounds(ctx, value, bounds);
  });
}

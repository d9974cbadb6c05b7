/**
 * A small validator for the subset of JSON Schema (2020-12) that `z.toJSONSchema` emits for the
 * protocol's server frames and REST replies (see `generated/protocol-schemas.ts`). It replaces
 * zod in the browser bundle: the schemas are generated from the same zod source, and a test
 * checks that this validator and zod accept and reject the same frames.
 *
 * Deliberate departures from JSON Schema, so the answers match zod's: string lengths count UTF-16
 * code units (zod's `.min`/`.max`), patterns compile without the `u` flag (as zod's regexes do),
 * and `format` is not checked (zod emits a `pattern` beside every format it checks). Unknown
 * object keys are accepted and kept (zod strips them; nothing in the SDK reads them).
 * Refinements (`.refine`) have no JSON Schema form, so they are not checked here; the protocol's
 * refinements concern user-entered strings the server already checked on the way in.
 */

/** The JSON Schema keywords {@link checkSchema} understands; the generator refuses any other. */
export const SUPPORTED_KEYWORDS: ReadonlySet<string> = new Set([
  '$schema',
  'type',
  'const',
  'enum',
  'properties',
  'required',
  'additionalProperties',
  'propertyNames',
  'items',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'anyOf',
  'oneOf',
]);

/** A JSON Schema node, limited to {@link SUPPORTED_KEYWORDS}. */
export interface JsonSchema {
  readonly type?: string;
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | JsonSchema;
  /** Every key of an object (a string) must conform (a record's keys). */
  readonly propertyNames?: JsonSchema;
  readonly items?: JsonSchema;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly format?: string;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
}

const patterns = new Map<string, RegExp>();

function regex(source: string): RegExp {
  let re = patterns.get(source);
  if (re === undefined) {
    re = new RegExp(source);
    patterns.set(source, re);
  }
  return re;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function at(path: string, issue: string): string {
  return path === '' ? issue : `${path}: ${issue}`;
}

function join(path: string, key: string | number): string {
  return path === '' ? String(key) : `${path}.${key}`;
}

/**
 * Checks `value` against `schema`. Returns undefined when it conforms, else the first issue,
 * prefixed with the dotted path of the offending value (`data.seq: expected integer >= 1`).
 */
export function checkSchema(schema: JsonSchema, value: unknown, path = ''): string | undefined {
  if (schema.anyOf !== undefined) {
    const issues = schema.anyOf.map((option) => checkSchema(option, value, path));
    if (!issues.includes(undefined)) return issues[0];
  }
  if (schema.oneOf !== undefined) {
    const issues = schema.oneOf.map((option) => checkSchema(option, value, path));
    const matches = issues.filter((issue) => issue === undefined).length;
    if (matches !== 1) return matches === 0 ? at(path, 'matches none of the allowed shapes') : at(path, 'ambiguous');
  }
  const actual = typeOf(value);
  if (schema.type !== undefined && actual !== schema.type && !(schema.type === 'number' && actual === 'integer')) {
    return at(path, `expected ${schema.type}, got ${actual}`);
  }
  if ('const' in schema && value !== schema.const) return at(path, `expected ${JSON.stringify(schema.const)}`);
  if (schema.enum !== undefined && !schema.enum.includes(value)) {
    return at(path, `expected one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`);
  }
  if (typeof value === 'number') return checkNumber(schema, value, path);
  if (typeof value === 'string') return checkString(schema, value, path);
  if (Array.isArray(value)) {
    if (schema.items === undefined) return undefined;
    for (let i = 0; i < value.length; i++) {
      const issue = checkSchema(schema.items, value[i], join(path, i));
      if (issue !== undefined) return issue;
    }
    return undefined;
  }
  if (actual === 'object') return checkObject(schema, value as Record<string, unknown>, path);
  return undefined;
}

function checkNumber(schema: JsonSchema, value: number, path: string): string | undefined {
  if (schema.minimum !== undefined && value < schema.minimum) return at(path, `expected >= ${schema.minimum}`);
  if (schema.maximum !== undefined && value > schema.maximum) return at(path, `expected <= ${schema.maximum}`);
  if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) return at(path, `expected > ${schema.exclusiveMinimum}`);
  if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum) return at(path, `expected < ${schema.exclusiveMaximum}`);
  return undefined;
}

function checkString(schema: JsonSchema, value: string, path: string): string | undefined {
  if (schema.minLength !== undefined && value.length < schema.minLength) return at(path, `expected at least ${schema.minLength} characters`);
  if (schema.maxLength !== undefined && value.length > schema.maxLength) return at(path, `expected at most ${schema.maxLength} characters`);
  if (schema.pattern !== undefined && !regex(schema.pattern).test(value)) return at(path, `does not match ${schema.pattern}`);
  return undefined;
}

function checkObject(schema: JsonSchema, value: Record<string, unknown>, path: string): string | undefined {
  for (const key of schema.required ?? []) {
    if (!Object.hasOwn(value, key) || value[key] === undefined) return at(join(path, key), 'required');
  }
  const properties = schema.properties ?? {};
  for (const key of Object.keys(value)) {
    const name = schema.propertyNames === undefined ? undefined : checkSchema(schema.propertyNames, key, join(path, key));
    if (name !== undefined) return name;
    const property = Object.hasOwn(properties, key) ? properties[key] : undefined;
    const rule = property ?? schema.additionalProperties;
    if (rule === false) return at(join(path, key), 'unexpected key');
    if (rule === undefined || rule === true) continue;
    const issue = checkSchema(rule, value[key], join(path, key));
    if (issue !== undefined) return issue;
  }
  return undefined;
}

import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { ServiceName } from './images.js';
import './provided.js';

/**
 * The URL of a service resolved for this run (env, testcontainers or local default).
 * Call it inside tests or hooks; the project must list the service in
 * `defineProjectConfig({ services: [...] })`.
 */
export function serviceUrl(name: ServiceName): string {
  const url = inject('parleyServiceUrls')?.[name];
  if (!url) {
    throw new Error(`${name} was not requested: add '${name}' to services in this project's vitest.config.ts`);
  }
  return url;
}

/**
 * A short unique lowercase token (`<label>_<8 hex>`), safe as a NATS subject token,
 * a Redis key prefix or a Postgres identifier: isolates parallel test files from each other.
 */
export function uniqueId(label = 't'): string {
  return `${label}_${randomBytes(4).toString('hex')}`;
}

import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { SERVICE_LABEL, type ServiceName } from './images.js';
import './provided.js';

/**
 * The URL of a service resolved for this run (env, testcontainers or local default).
 * Call it inside tests or hooks; the project must list the service in
 * `defineProjectConfig({ services: [...] })`.
 */
export function serviceUrl(name: ServiceName): string {
  const url = inject('parleyServiceUrls')?.[name];
  if (!url) {
    if (inject('parleyBackends')?.[name] === 'embedded') {
      throw new Error(
        `no real ${SERVICE_LABEL[name]} in this run (embedded backends): list this file under realServers in its project's vitest.config.ts, ` +
          `or skip its suite with realServers(['${name}'])`,
      );
    }
    throw new Error(`${name} was not requested: add '${name}' to services in this project's vitest.config.ts`);
  }
  return url;
}

export interface RealServers {
  /** True when one of the servers is missing from this run (an embedded backend stands in for it). */
  skip: boolean;
  /** `title`, or `title (skipped: no real Redis in this run)`: the reason shows in the report. */
  title(title: string): string;
}

/**
 * For a suite inside a file that otherwise runs anywhere and needs real servers:
 * `const real = realServers(['nats']); describe.skipIf(real.skip)(real.title('...'), ...)`.
 * A whole file that needs them is listed under realServers in its vitest.config.ts instead.
 */
export function realServers(names: readonly ServiceName[]): RealServers {
  const backends = inject('parleyBackends') ?? {};
  const unlisted = names.filter((name) => backends[name] === undefined);
  if (unlisted.length > 0) throw new Error(`${unlisted.join(', ')} not requested: add to services in this project's vitest.config.ts`);
  const missing = names.filter((name) => backends[name] === 'embedded');
  const labels = missing.map((n) => SERVICE_LABEL[n]);
  const reason = `skipped: no real ${labels.length > 1 ? `${labels.slice(0, -1).join(', ')} or ${labels.at(-1)}` : labels.join('')} in this run (embedded backends)`;
  return {
    skip: missing.length > 0,
    title(title) {
      if (missing.length === 0) return title;
      // Also on stderr: the default reporter names files, not skipped suites.
      process.stderr.write(`[parley/testing] ${reason.replace('skipped:', `skipped '${title}':`)}\n`);
      return `${title} (${reason})`;
    },
  };
}

/**
 * A short unique lowercase token (`<label>_<8 hex>`), safe as a NATS subject token,
 * a Redis key prefix or a Postgres identifier: isolates parallel test files from each other.
 */
export function uniqueId(label = 't'): string {
  return `${label}_${randomBytes(4).toString('hex')}`;
}

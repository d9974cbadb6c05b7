import { ENV_VAR, SERVICE_NAMES, type ServiceName } from '@parley/testing';

export type Mode = { kind: 'full' } | { kind: 'embedded'; why: string } | { kind: 'incomplete'; missing: ServiceName[]; message: string };

const LABEL: Readonly<Record<ServiceName, string>> = { postgres: 'PostgreSQL', redis: 'Redis', nats: 'NATS' };

/**
 * Which stack `npm start` runs, from which services answered: all → the full stack as processes;
 * none, or PARLEY_EMBEDDED=1 → embedded mode; some → neither, and a message with the two ways on
 * (a half-embedded stack would keep data where the full stack cannot see it).
 */
export function chooseMode(answered: Readonly<Record<ServiceName, boolean>>, env: Readonly<Record<string, string | undefined>>): Mode {
  const flag = env['PARLEY_EMBEDDED'];
  if (flag === '1' || flag === 'true') return { kind: 'embedded', why: 'PARLEY_EMBEDDED=1' };
  const missing = SERVICE_NAMES.filter((name) => !answered[name]);
  if (missing.length === 0) return { kind: 'full' };
  if (missing.length === SERVICE_NAMES.length) return { kind: 'embedded', why: 'none of PostgreSQL, Redis and NATS answers' };
  const found = SERVICE_NAMES.filter((name) => answered[name]);
  const where = (name: ServiceName) => `${LABEL[name]} (${env[ENV_VAR[name]] ?? 'default local port'})`;
  const message = [
    `npm start: ${found.map((n) => LABEL[n]).join(' and ')} answered, but ${missing.map(where).join(' and ')} did not.`,
    'Either start what is missing for the full stack:',
    `  docker compose up -d ${missing.join(' ')}`,
    '(or point ' + missing.map((n) => ENV_VAR[n]).join(' / ') + ' at a running one), or run everything in this one process on embedded backends:',
    '  PARLEY_EMBEDDED=1 npm start',
  ].join('\n');
  return { kind: 'incomplete', missing, message };
}

/**
 * Container images used by testcontainers and by docker-compose.yml.
 * One list, so tests and the compose stack run the same server versions
 * (test/images.test.ts fails when docker-compose.yml drifts from it).
 */
export const IMAGES = {
  postgres: 'postgres:15.19-alpine',
  redis: 'redis:7.4.11-alpine',
  nats: 'nats:2.14.5-alpine',
} as const;

export type ServiceName = keyof typeof IMAGES;

export const SERVICE_NAMES = Object.keys(IMAGES) as ServiceName[];

/** The environment variable each service's URL is read from — the same names the services use. */
export const ENV_VAR: Readonly<Record<ServiceName, string>> = {
  postgres: 'DATABASE_URL',
  redis: 'REDIS_URL',
  nats: 'NATS_URL',
};

/** Default ports of the services this machine (and CI) runs locally. */
export const LOCAL_DEFAULT: Readonly<Record<ServiceName, string>> = {
  postgres: 'postgres://postgres:postgres@127.0.0.1:5432/postgres',
  redis: 'redis://127.0.0.1:6379',
  nats: 'nats://127.0.0.1:4222',
};

export const HOW_TO_PROVIDE: Readonly<Record<ServiceName, string>> = {
  postgres: 'start PostgreSQL on 127.0.0.1:5432 (bash .ci/run starts it), set DATABASE_URL',
  redis: 'start Redis on 127.0.0.1:6379 (bash .ci/run starts it), set REDIS_URL',
  nats: 'start nats-server with -js on 127.0.0.1:4222 (bash .ci/run starts it), set NATS_URL',
};

/** The name each service goes by in messages. */
export const SERVICE_LABEL: Readonly<Record<ServiceName, string>> = {
  postgres: 'PostgreSQL',
  redis: 'Redis',
  nats: 'NATS',
};

/** What stands in for each service when none answers (the backends `npm start` embeds). */
export const EMBEDDED: Readonly<Record<ServiceName, string>> = {
  postgres: 'PGlite',
  redis: 'the memory presence store',
  nats: 'the memory bus',
};

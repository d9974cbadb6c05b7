import { PostgreSqlContainer } from '@testcontainers/postgresql';
import { RedisContainer } from '@testcontainers/redis';
import { GenericContainer, getContainerRuntimeClient, Wait, type StartedTestContainer } from 'testcontainers';
import { IMAGES, type ServiceName } from './images.js';

export interface StartedService {
  url: string;
  stop(): Promise<void>;
}

/** True when a Docker (or compatible) engine answers; fails fast (a few ms) when none exists. */
export async function containerRuntimeAvailable(): Promise<boolean> {
  try {
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

async function stopper(container: StartedTestContainer): Promise<void> {
  await container.stop();
}

/** Starts the service in a container from the same image docker-compose.yml uses. */
export async function startContainer(name: ServiceName): Promise<StartedService> {
  switch (name) {
    case 'postgres': {
      const c = await new PostgreSqlContainer(IMAGES.postgres).withUsername('postgres').withPassword('postgres').withDatabase('postgres').start();
      return { url: c.getConnectionUri(), stop: () => stopper(c) };
    }
    case 'redis': {
      const c = await new RedisContainer(IMAGES.redis).start();
      return { url: c.getConnectionUrl(), stop: () => stopper(c) };
    }
    case 'nats': {
      const c = await new GenericContainer(IMAGES.nats)
        .withCommand(['-js', '-m', '8222'])
        .withExposedPorts(4222, 8222)
        .withWaitStrategy(Wait.forHttp('/healthz?js-enabled-only=true', 8222))
        .start();
      return { url: `nats://${c.getHost()}:${c.getMappedPort(4222)}`, stop: () => stopper(c) };
    }
  }
}

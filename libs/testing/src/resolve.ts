import { containerRuntimeAvailable, startContainer } from './containers.js';
import { ENV_VAR, HOW_TO_PROVIDE, LOCAL_DEFAULT, type ServiceName } from './images.js';
import { probe } from './probe.js';

export type ServiceSource = 'env' | 'testcontainers' | 'local';

export interface ResolvedService {
  name: ServiceName;
  url: string;
  source: ServiceSource;
  stop?: () => Promise<void>;
}

/**
 * Finds each service, in this order: the URL in its environment variable (DATABASE_URL,
 * REDIS_URL, NATS_URL); a testcontainer when TESTCONTAINERS=1 and a container engine answers;
 * otherwise the default local port. Every service is then probed with a real round trip,
 * and one that does not answer fails with a message saying how to provide it.
 */
export async function resolveServices(
  names: readonly ServiceName[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<ResolvedService[]> {
  const wantContainers = env['TESTCONTAINERS'] === '1' || env['TESTCONTAINERS'] === 'true';
  const engine = wantContainers && (await containerRuntimeAvailable());
  if (wantContainers && !engine) {
    report('TESTCONTAINERS is set but no container engine answers: using local services');
  }
  const resolved = await Promise.all(names.map((name) => resolveOne(name, env, engine)));
  const failures: string[] = [];
  await Promise.all(
    resolved.map(async (service) => {
      try {
        await probe(service.name, service.url);
        report(`${service.name}: ${redactPassword(service.url)} (${service.source})`);
      } catch (error) {
        failures.push(
          `${service.name} is not reachable at ${redactPassword(service.url)} (${service.source}): ` +
            `${(error as Error).message}. To provide it: ${HOW_TO_PROVIDE[service.name]}, ` +
            `or run with TESTCONTAINERS=1 where a Docker engine answers.`,
        );
      }
    }),
  );
  if (failures.length > 0) {
    await Promise.all(resolved.map((s) => s.stop?.()));
    throw new Error(failures.join('\n'));
  }
  return resolved;
}

async function resolveOne(name: ServiceName, env: NodeJS.ProcessEnv, engine: boolean): Promise<ResolvedService> {
  const fromEnv = env[ENV_VAR[name]];
  if (fromEnv) return { name, url: fromEnv, source: 'env' };
  if (engine) {
    const started = await startContainer(name);
    return { name, url: started.url, source: 'testcontainers', stop: started.stop };
  }
  return { name, url: LOCAL_DEFAULT[name], source: 'local' };
}

function redactPassword(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
}

function report(line: string): void {
  process.stderr.write(`[parley/testing] ${line}\n`);
}

import { containerRuntimeAvailable, startContainer } from './containers.js';
import { EMBEDDED, ENV_VAR, HOW_TO_PROVIDE, LOCAL_DEFAULT, SERVICE_LABEL, type ServiceName } from './images.js';
import { probe } from './probe.js';

export type ServiceSource = 'env' | 'testcontainers' | 'local' | 'embedded';

/** Where one backend comes from in this run, decided before anything is started. */
export interface BackendPlan {
  name: ServiceName;
  source: ServiceSource;
  /** The server's URL; absent for a container not started yet and for an embedded backend. */
  url?: string;
  /** Why an embedded backend stands in for the server (which URL did not answer). */
  why?: string;
}

export interface ResolvedService {
  name: ServiceName;
  /** Absent when the backend is embedded: no server, so nothing to connect to. */
  url?: string;
  source: ServiceSource;
  stop?: () => Promise<void>;
}

/**
 * Decides where each backend comes from, in this order: the URL in its environment variable
 * (DATABASE_URL, REDIS_URL, NATS_URL) if set; otherwise the default local port, or a testcontainer
 * first when TESTCONTAINERS=1; otherwise a testcontainer when a Docker engine answers; otherwise
 * the embedded backend (PGlite, the memory presence store, the memory bus), on which the suites
 * that need a real server are skipped. With CI set a missing server is an error instead: CI has
 * the real services and runs everything on them. PARLEY_TEST_BACKENDS=embedded skips the servers.
 * Every candidate is probed with a real round trip; one line per backend says what it resolved to.
 */
export async function planBackends(names: readonly ServiceName[], env: NodeJS.ProcessEnv = process.env): Promise<BackendPlan[]> {
  const forced = env['PARLEY_TEST_BACKENDS'];
  if (forced !== undefined && forced !== '' && forced !== 'embedded') {
    throw new Error(`PARLEY_TEST_BACKENDS=${forced}: the only value is 'embedded' (unset, each backend is found as the testing README says)`);
  }
  const ci = env['CI'] !== undefined && env['CI'] !== '' && env['CI'] !== 'false' && env['CI'] !== '0';
  const wantContainers = env['TESTCONTAINERS'] === '1' || env['TESTCONTAINERS'] === 'true';
  // Asked once, and only when some backend needs it: a missing engine answers in a few ms.
  let engine: Promise<boolean> | undefined;
  const engineAnswers = () => (engine ??= containerRuntimeAvailable());

  const failures: string[] = [];
  const plans = await Promise.all(
    names.map(async (name): Promise<BackendPlan | undefined> => {
      if (forced === 'embedded') return { name, source: 'embedded', why: 'PARLEY_TEST_BACKENDS=embedded' };
      const fromEnv = env[ENV_VAR[name]];
      const candidate = fromEnv ? { url: fromEnv, source: 'env' as const } : { url: LOCAL_DEFAULT[name], source: 'local' as const };
      if (!fromEnv && wantContainers && (await engineAnswers())) return { name, source: 'testcontainers' };
      const error = await probe(name, candidate.url).then(
        () => undefined,
        (e: Error) => e,
      );
      if (!error) return { name, ...candidate };
      // An explicit URL names the server meant: never swap it for another real one.
      if (!fromEnv && (await engineAnswers())) return { name, source: 'testcontainers' };
      const nowhere = `${redactPassword(candidate.url)} (${candidate.source}) does not answer: ${error.message}`;
      if (ci) {
        failures.push(
          `${name} is not reachable at ${nowhere}. To provide it: ${HOW_TO_PROVIDE[name]}, or run with TESTCONTAINERS=1 where a Docker engine answers.`,
        );
        return undefined;
      }
      return { name, source: 'embedded', why: `${nowhere}${fromEnv ? '' : ', and no Docker engine answers'}` };
    }),
  );
  if (failures.length > 0) throw new Error(`CI is set, so every test runs on real servers:\n${failures.join('\n')}`);
  if (wantContainers && engine && !(await engine)) report('TESTCONTAINERS is set but no container engine answers');
  return plans as BackendPlan[];
}

/** Starts what a plan needs (containers) and prints one line per backend saying what it uses. */
export async function startBackends(plans: readonly BackendPlan[]): Promise<ResolvedService[]> {
  const started = await Promise.allSettled(
    plans.map(async (plan): Promise<ResolvedService> => {
      if (plan.source !== 'testcontainers') return { name: plan.name, source: plan.source, ...(plan.url ? { url: plan.url } : {}) };
      const container = await startContainer(plan.name);
      return { name: plan.name, source: 'testcontainers', url: container.url, stop: container.stop };
    }),
  );
  const services = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.flatMap((s) => (s.status === 'rejected' ? [s.reason as Error] : []));
  if (failed.length > 0) {
    await Promise.all(services.map((s) => s.stop?.()));
    throw new Error(`a test container did not start: ${failed.map((e) => e.message).join('; ')}`);
  }
  for (const service of services) {
    if (service.source === 'embedded') {
      const why = plans.find((p) => p.name === service.name)?.why;
      report(`${service.name}: embedded (${EMBEDDED[service.name]}): ${why}; suites that need a real ${SERVICE_LABEL[service.name]} are skipped`);
    } else {
      report(`${service.name}: ${redactPassword(service.url!)} (${service.source})`);
    }
  }
  return services;
}

/** planBackends, then startBackends: every backend this run uses, with a way to stop what was started. */
export async function resolveServices(names: readonly ServiceName[], env: NodeJS.ProcessEnv = process.env): Promise<ResolvedService[]> {
  return startBackends(await planBackends(names, env));
}

export function redactPassword(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
}

export function report(line: string): void {
  process.stderr.write(`[parley/testing] ${line}\n`);
}

import type { TestProject } from 'vitest/node';
import type { ServiceName } from './images.js';
import './provided.js';
import { planBackends, startBackends } from './resolve.js';
import { sweepTestStreams } from './stream-sweep.js';

/** vitest globalSetup: starts what the config's plan needs once per run and hands the URLs to tests. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const provided = project.config.provide ?? {};
  const wanted = (provided['parleyServices'] ?? []) as ServiceName[];
  const plan = (provided['parleyPlan'] as Awaited<ReturnType<typeof planBackends>> | undefined) ?? (await planBackends(wanted));
  const services = await startBackends(plan);
  const nats = services.find((s) => s.name === 'nats' && s.url);
  if (nats?.url) {
    const swept = await sweepTestStreams(nats.url).catch((e: Error) => (process.stderr.write(`[parley/testing] stream sweep failed: ${e.message}\n`), []));
    if (swept.length > 0) process.stderr.write(`[parley/testing] nats: deleted ${swept.length} JetStream streams left by test runs over an hour ago\n`);
  }
  project.provide('parleyServiceUrls', Object.fromEntries(services.flatMap((s) => (s.url ? [[s.name, s.url]] : []))));
  project.provide('parleyBackends', Object.fromEntries(services.map((s) => [s.name, s.source])));
  return async () => {
    await Promise.all(services.map((s) => s.stop?.()));
  };
}

import type { TestProject } from 'vitest/node';
import type { ServiceName } from './images.js';
import './provided.js';
import { resolveServices } from './resolve.js';

/** vitest globalSetup: resolves the project's services once per run and hands the URLs to tests. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const wanted = (project.config.provide?.['parleyServices'] ?? []) as ServiceName[];
  const services = await resolveServices(wanted);
  project.provide('parleyServiceUrls', Object.fromEntries(services.map((s) => [s.name, s.url])));
  return async () => {
    await Promise.all(services.map((s) => s.stop?.()));
  };
}

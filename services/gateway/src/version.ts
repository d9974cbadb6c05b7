import { createRequire } from 'node:module';

/** This package's version, reported by health checks. */
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

import type { ServiceName } from './images.js';

// vitest's typed provide/inject channel between globalSetup and test files.
declare module 'vitest' {
  export interface ProvidedContext {
    /** Services this project's tests need; set by defineProjectConfig({ services }). */
    parleyServices: ServiceName[];
    /** Their resolved URLs, filled in by the globalSetup before any test file runs. */
    parleyServiceUrls: Partial<Record<ServiceName, string>>;
  }
}

export {};

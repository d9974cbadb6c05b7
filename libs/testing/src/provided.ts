import type { ServiceName } from './images.js';
import type { BackendPlan, ServiceSource } from './resolve.js';

// vitest's typed provide/inject channel between the config, the globalSetup and test files.
declare module 'vitest' {
  export interface ProvidedContext {
    /** Services this project's tests need; set by defineProjectConfig({ services }). */
    parleyServices: ServiceName[];
    /** Where each comes from, decided when the config loads (so it can leave out files that need a missing server). */
    parleyPlan: BackendPlan[];
    /** The URLs of the real ones, filled in by the globalSetup before any test file runs. */
    parleyServiceUrls: Partial<Record<ServiceName, string>>;
    /** What each service resolved to ('embedded': no server, the in-process backend). */
    parleyBackends: Partial<Record<ServiceName, ServiceSource>>;
  }
}

export {};

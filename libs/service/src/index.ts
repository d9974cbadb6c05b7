export { createServiceApp, type ErrorRendering, type HealthOptions, type HealthParts, type ServiceApp, type ServiceAppOptions, type Worker } from './app.js';
export { runService, type Listener, type ProcessSettings, type ServiceContext, type Started } from './run.js';
export { busMetrics } from './bus-metrics.js';

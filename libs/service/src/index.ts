export { runService, type Listener, type ProcessSettings, type ServiceContext, type Started } from './run.js';

export { SessionModule } from './session.module.js';
export { SessionService, type SessionEvents, type SessionServiceDeps } from './session-service.js';
export { busSessionEvents, serveSessions } from './session-bus.js';
export { DEFAULT_DISCOVERY_TIMEOUT_MS, DEFAULT_PROCESS_GRACE_MS, type SessionOptions, type SessionOptionsInput } from './options.js';

export * from './app.js';
export * from './logger.js';
export { PlatformModule } from './platform.module.js';
export * from './runtime.js';
export { followedProjection } from './followed-projection.js';
export { answerStatus, serviceStatusProvider } from './status.js';
export * from './tokens.js';

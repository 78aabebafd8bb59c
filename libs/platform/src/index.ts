export * from './app.js';
export * from './logger.js';
export * from './raw-http-routes.js';
export { PlatformModule } from './platform.module.js';
export * from './runtime.js';
export { followedProjection } from './followed-projection.js';
export { answerStatus, serviceStatusProvider } from './status.js';
export * from './tokens.js';

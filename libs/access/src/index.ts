export * from './admin-tokens.js';
export * from './api-key-format.js';
export * from './api-keys.js';
export * from './clock.js';

export * from './contract.js';
export * from './errors.js';
export * from './events.js';
export * from './gateway.js';
export * from './mcp.js';
export * from './router.js';
export * from './session.js';
export * from './system.js';

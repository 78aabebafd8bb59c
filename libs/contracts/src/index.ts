export * from './contract.js';
export * from './errors.js';
export * from './events.js';
export * from './system.js';

export * from './naming.js';
export * from './persona-view.js';
export * from './persona-views.js';
export { RegistryState, REGISTRY_EVENTS } from './registry-projection.js';
export * from './state.js';

export * from './admin-tokens.js';

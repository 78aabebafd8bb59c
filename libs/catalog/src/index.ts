export * from './persona-view.js';

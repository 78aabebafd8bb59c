export * from './call-events.js';
export { CallRecorder } from './call-recorder.js';
export { RouterModule } from './router.module.js';
export { RouterService } from './router.service.js';

export * from './bus.js';
export * from './headers.js';
export { InProcessBus } from './in-process-bus.js';
export { NatsBus, type NatsBusOptions } from './nats-bus.js';
export { extractTraceContext, injectTraceContext } from './tracing.js';
export { parsePayload } from './validation.js';

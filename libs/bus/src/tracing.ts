import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type { MessageHeaders } from './bus.js';

const tracer = trace.getTracer('persona-gateway.bus');

/** Writes the active trace context (W3C traceparent/tracestate) into outgoing headers. */
export function injectTraceContext(headers: MessageHeaders, ctx: Context = context.active()): MessageHeaders {
  propagation.inject(ctx, headers);
  return headers;
}

export function extractTraceContext(headers: Readonly<MessageHeaders>): Context {
  return propagation.extract(ROOT_CONTEXT, headers);
}

/**
 * Runs `fn` inside a span; the span ends when the promise settles. Without a tracer
 * exporting spans and without a trace to continue, there is nothing to record or carry:
 * `fn` runs as is, sparing the hot path a context switch (and a promise) per message.
 */
export function inSpan<T>(name: string, kind: SpanKind, parent: Context, fn: (ctx: Context) => Promise<T>): Promise<T> {
  const span = tracer.startSpan(name, { kind }, parent);
  if (!span.isRecording() && trace.getSpanContext(parent) === undefined) return fn(parent);
  return traced(span, parent, fn);
}

async function traced<T>(span: Span, parent: Context, fn: (ctx: Context) => Promise<T>): Promise<T> {
  const ctx = trace.setSpan(parent, span);
  try {
    return await context.with(ctx, () => fn(ctx));
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    span.end();
  }
}

export { SpanKind };

import { SpanKind } from '@opentelemetry/api';
import { GatewayError, type EventContract, type PayloadOf, type RequestContract, type RequestOf } from '@persona-gateway/contracts';
import type { EventHandler, MessageHeaders, RequestHandler } from './bus.js';
import { extractTraceContext, inSpan } from './tracing.js';
import { parsePayload, toWireError } from './validation.js';

export type Reply = { ok: true; value: unknown } | { ok: false; error: { code: GatewayError['code']; message: string } };

/**
 * The receiving half of a request, shared by both transports: validate the untrusted
 * payload (`trusted`: it never left this process, see InProcessBus), run the handler in
 * the caller's trace context, and turn failures into codes.
 */
export async function dispatchRequest<C extends RequestContract>(
  contract: C,
  handler: RequestHandler<C>,
  raw: unknown,
  headers: Readonly<MessageHeaders>,
  trusted = false,
): Promise<Reply> {
  try {
    const request = (trusted ? raw : parsePayload(contract.request, raw, contract.subject, 'request')) as RequestOf<C>;
    const value = await inSpan(`${contract.subject} process`, SpanKind.SERVER, extractTraceContext(headers), () =>
      Promise.resolve(handler(request, { subject: contract.subject, headers })),
    );
    return { ok: true, value };
  } catch (error) {
    return { ok: false, error: toWireError(error) };
  }
}

export async function dispatchEvent<C extends EventContract>(
  contract: C,
  handler: EventHandler<C>,
  raw: unknown,
  headers: Readonly<MessageHeaders>,
  subject: string,
  trusted = false,
): Promise<void> {
  const payload = (trusted ? raw : parsePayload(contract.payload, raw, subject, 'event')) as PayloadOf<C>;
  await inSpan(`${contract.subject} process`, SpanKind.CONSUMER, extractTraceContext(headers), () => Promise.resolve(handler(payload, { subject, headers })));
}

/** What a request that got no reply in time fails with, on either transport. */
export function timeoutError(subject: string, timeoutMs: number): GatewayError {
  return new GatewayError('TIMEOUT', `No reply to ${subject} within ${timeoutMs} ms`);
}

/** `promise`, or TIMEOUT after `timeoutMs`; one timer and one promise (a race and a finally cost two more per request). */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, subject: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(timeoutError(subject, timeoutMs)), timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

import type { EventContract, PayloadOf, RequestContract, RequestOf, ResponseOf } from '@persona-gateway/contracts';

/** Message headers: trace context, error codes and caller-defined metadata. */
export type MessageHeaders = Record<string, string>;

export interface MessageContext {
  /** The message's own subject (for a pattern subscription, the one it matched). */
  readonly subject: string;
  readonly headers: Readonly<MessageHeaders>;
}

export interface RequestOptions {
  /** How long to wait for a reply before failing with code TIMEOUT. */
  readonly timeoutMs?: number;
  readonly headers?: MessageHeaders;
}

export interface SubscribeOptions {
  /**
   * Members of one queue group share the messages: each goes to exactly one of them.
   * Without a queue every subscriber receives every message.
   */
  readonly queue?: string;
}

export type RequestHandler<C extends RequestContract> = (
  request: RequestOf<C>,
  context: MessageContext,
) => Promise<ResponseOf<C>> | ResponseOf<C>;

export type EventHandler<C extends EventContract> = (payload: PayloadOf<C>, context: MessageContext) => Promise<void> | void;

export interface Subscription {
  unsubscribe(): Promise<void>;
}

/**
 * The one way services talk to each other. Both transports (in-process and NATS)
 * validate against the contract's schemas, carry trace context in headers and report
 * failures as `GatewayError` with a stable code.
 */
export interface Bus {
  readonly transport: 'in-process' | 'nats';
  request<C extends RequestContract>(contract: C, payload: RequestOf<C>, options?: RequestOptions): Promise<ResponseOf<C>>;
  handle<C extends RequestContract>(contract: C, handler: RequestHandler<C>, options?: SubscribeOptions): Promise<Subscription>;
  publish<C extends EventContract>(contract: C, payload: PayloadOf<C>, options?: { headers?: MessageHeaders }): Promise<void>;
  subscribe<C extends EventContract>(contract: C, handler: EventHandler<C>, options?: SubscribeOptions): Promise<Subscription>;
  /** Resolves when the transport can carry messages end to end (a server round trip for NATS). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

import { randomUUID } from 'node:crypto';
import { type Msg, type MsgHdrs, type NatsConnection, type Subscription as NatsSubscription } from '@nats-io/transport-node';
import { ClientNats, ServerNats } from '@nestjs/microservices';
import { context } from '@opentelemetry/api';
import { GatewayError, isPattern, type EventContract, type PayloadOf, type RequestContract, type RequestOf, type ResponseOf } from '@persona-gateway/contracts';
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  type Bus,
  type EventHandler,
  type MessageHeaders,
  type RequestHandler,
  type RequestOptions,
  type SubscribeOptions,
  type Subscription,
} from './bus.js';
import { dispatchEvent, dispatchRequest } from './dispatch.js';
import { CodedReplySerializer, decodeReply, fromNatsHeaders, wireHeaders } from './nats-codec.js';
import { NatsReplies } from './nats-replies.js';
import { injectTraceContext, inSpan, SpanKind } from './tracing.js';
import { measured } from './metrics.js';
import { parsePayload } from './validation.js';

const REPLIES = new CodedReplySerializer();

export interface NatsBusOptions {
  /** One or more `nats://host:port` URLs. */
  readonly servers: string | string[];
  /** Connection name shown by `nats-server` monitoring (service and instance). */
  readonly name: string;
}

type EventDispatcher = (payload: unknown, headers: MessageHeaders, subject: string) => Promise<void>;

/**
 * The distributed mode's bus, built on `@nestjs/microservices`' NATS client and server.
 * Messages use Nest's packet formats; errors travel as a code header; a queue group
 * spreads requests (and events, when asked) across the replicas of a service. The client's
 * connection sends (requests and events); the server holds the connection that receives.
 * Both go straight to their nats.js connections, not through Nest's pipelines, which cost
 * an observable per event sent, an extra tick per request and a thrown exception per event
 * received.
 */
export class NatsBus implements Bus {
  readonly transport = 'nats' as const;
  private readonly eventDispatchers = new Map<string, { queue: string | undefined; handlers: Set<EventDispatcher> }>();

  private constructor(
    private readonly client: ClientNats,
    private readonly server: ServerNats,
    private readonly replies: NatsReplies,
  ) {}

  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    const common = { servers: options.servers, name: options.name, maxReconnectAttempts: -1, reconnectTimeWait: 250 };
    // Only the client's connection is used: requests (request()) and events (publish()) go out on it directly.
    const client = new ClientNats(common);
    // The server's connection receives: requests (handle()) and events (subscribe()), each from its own subscription.
    const server = new ServerNats({ ...common, gracefulShutdown: true, gracePeriod: 100 });
    try {
      await client.connect();
      await new Promise<void>((resolve, reject) => server.listen((error?: unknown) => (error ? reject(error) : resolve())));
    } catch (error) {
      await Promise.allSettled([client.close(), server.close()]);
      throw new GatewayError('UNAVAILABLE', `Cannot connect to NATS at ${String(options.servers)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    return new NatsBus(client, server, new NatsReplies(client.unwrap<NatsConnection>()));
  }

  /**
   * A request is one NATS message out and one back, through the connection's shared reply
   * subscription (NatsReplies), in the packet format Nest's server reads (pattern, data, id).
   * Nest's own client would subscribe and unsubscribe an inbox per request: two more protocol
   * round trips on the hot path of every tool call.
   */
  async request<C extends RequestContract>(contract: C, payload: RequestOf<C>, options: RequestOptions = {}): Promise<ResponseOf<C>> {
    // Validated once, by the handler's side (dispatchRequest), as every message from the wire must be.
    const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    return measured(contract.subject, () => inSpan(`${contract.subject} send`, SpanKind.CLIENT, context.active(), async (ctx) => {
      const headers = injectTraceContext({ ...options.headers }, ctx);
      const packet = JSON.stringify({ pattern: contract.subject, data: payload, id: randomUUID() });
      const reply = await this.replies.request(contract.subject, packet, timeoutMs, wireHeaders(headers));
      return parsePayload(contract.response, decodeReply(reply), contract.subject, 'response') as ResponseOf<C>;
    }));
  }

  /**
   * Requests are answered from the connection's own subscription: Nest's packet in
   * (pattern, data, id), Nest's reply packet out (with the error code in a header, see
   * CodedReplySerializer), without the server's observable pipeline and its extra tick per message.
   */
  async handle<C extends RequestContract>(contract: C, handler: RequestHandler<C>, options: SubscribeOptions = {}): Promise<Subscription> {
    const sub = await this.listen(contract.subject, options.queue, (message) => void this.answer(contract, handler, message));
    return { unsubscribe: async () => sub.unsubscribe() };
  }

  async publish<C extends EventContract>(contract: C, payload: PayloadOf<C>, options: { headers?: MessageHeaders } = {}): Promise<void> {
    if (isPattern(contract.subject)) throw new TypeError(`publish: ${contract.subject} is a pattern; publish on one subject`);
    const event = parsePayload(contract.payload, payload, contract.subject, 'event');
    const headers = injectTraceContext({ ...options.headers });
    // Nest's record format (pattern, data), published on the client's connection as Nest's
    // emit would, without its observable and serializer per event (the publisher sends every
    // committed event this way).
    this.client.unwrap<NatsConnection>().publish(contract.subject, JSON.stringify({ pattern: contract.subject, data: event }), { headers: wireHeaders(headers) });
  }

  async subscribe<C extends EventContract>(contract: C, handler: EventHandler<C>, options: SubscribeOptions = {}): Promise<Subscription> {
    const dispatcher: EventDispatcher = (raw, headers, subject) => dispatchEvent(contract, handler, raw, headers, subject);
    const existing = this.eventDispatchers.get(contract.subject);
    if (existing) {
      if (existing.queue !== options.queue) {
        throw new TypeError(`subscribe: ${contract.subject} is already subscribed with queue "${existing.queue ?? ''}" in this process`);
      }
      existing.handlers.add(dispatcher);
      return { unsubscribe: async () => void existing.handlers.delete(dispatcher) };
    }
    const entry = { queue: options.queue, handlers: new Set([dispatcher]) };
    this.eventDispatchers.set(contract.subject, entry);
    const sub = await this.listen(contract.subject, options.queue, (message) => void this.deliver(entry.handlers, message));
    return {
      unsubscribe: async () => {
        entry.handlers.delete(dispatcher);
        if (entry.handlers.size === 0) {
          this.eventDispatchers.delete(contract.subject);
          sub.unsubscribe();
        }
      },
    };
  }

  async ping(): Promise<void> {
    await (this.server.unwrap() as NatsConnection).flush();
  }

  async close(): Promise<void> {
    this.replies.close();
    await Promise.allSettled([this.server.close(), this.client.close()]);
  }

  /** A subscription on the receiving connection, registered with the server before this resolves (callers rely on it at once). */
  private async listen(subject: string, queue: string | undefined, onMessage: (message: Msg) => void): Promise<NatsSubscription> {
    const connection = this.server.unwrap() as NatsConnection;
    const sub = connection.subscribe(subject, {
      queue,
      callback: (error, message) => {
        if (!error) onMessage(message);
      },
    });
    await connection.flush();
    return sub;
  }

  /**
   * One event off the wire, to every handler of its subject in this process. Nest's record
   * (pattern, data) as its client emits it; a message that is not one (a raw JSON payload
   * published by other tools) is taken as the payload itself, as Nest's server would. Nest's
   * own event pipeline is skipped: it JSON-parses the subject as a pattern first, which throws
   * (an Error with its stack) for every event every process receives.
   */
  private async deliver(handlers: ReadonlySet<EventDispatcher>, message: Msg): Promise<void> {
    let payload: unknown;
    try {
      const packet: unknown = message.json();
      payload = packet !== null && typeof packet === 'object' && ('data' in packet || 'pattern' in packet) ? (packet as { data?: unknown }).data : packet;
    } catch {
      payload = undefined; // not JSON: each handler refuses it as an invalid payload
    }
    const headers = fromNatsHeaders(message.headers);
    await Promise.allSettled([...handlers].map((dispatch) => dispatch(payload, headers, message.subject)));
  }

  /** One request off the wire: validated and handled (dispatchRequest), answered if someone waits. */
  private async answer<C extends RequestContract>(contract: C, handler: RequestHandler<C>, message: Msg): Promise<void> {
    if (!message.reply) return;
    let packet: { data?: unknown; id?: unknown };
    try {
      packet = message.json();
    } catch {
      packet = {}; // refused below as an invalid payload, rather than left to time out
    }
    const reply = await dispatchRequest(contract, handler, packet.data, fromNatsHeaders(message.headers));
    const id = typeof packet.id === 'string' ? packet.id : undefined;
    let encoded: { data: string; headers?: MsgHdrs };
    try {
      encoded = REPLIES.serialize(reply.ok ? { id, response: reply.value, isDisposed: true } : { id, err: reply.error, isDisposed: true });
    } catch {
      encoded = REPLIES.serialize({ id, err: { code: 'INTERNAL', message: 'Internal error' }, isDisposed: true });
    }
    message.respond(encoded.data, { headers: encoded.headers });
  }
}

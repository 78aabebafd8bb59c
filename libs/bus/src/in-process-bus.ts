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
import { dispatchEvent, dispatchRequest, withTimeout, type Reply } from './dispatch.js';
import { injectTraceContext, inSpan, SpanKind } from './tracing.js';
import { measured } from './metrics.js';

interface Member {
  readonly queue: string | undefined;
  readonly deliver: (raw: unknown, headers: MessageHeaders, subject: string) => Promise<Reply | void>;
}

/**
 * The embedded mode's bus: the same contracts, headers, errors, timeouts and queue-group
 * semantics as NATS, without a network. Validation guards the places where bytes from
 * outside enter a process: HTTP bodies, downstream answers, and every NATS message. Here
 * nothing crosses a process boundary: sender and handler are modules of one program,
 * type-checked against the same contract, so objects are handed over as they are, neither
 * copied nor parsed again (the tool-call hot path would otherwise pay for it on every hop).
 * Nothing on either side mutates what it sent or received. The distributed end-to-end
 * suites run the same flows with every message validated on the wire.
 */
export class InProcessBus implements Bus {
  readonly transport = 'in-process' as const;
  private readonly members = new Map<string, Member[]>();
  /** Subscribed patterns (`a.*.v1`) and what each matches; empty unless someone subscribes to one. */
  private readonly patterns = new Map<string, RegExp>();
  private readonly cursors = new Map<string, number>();
  private closed = false;

  async request<C extends RequestContract>(contract: C, payload: RequestOf<C>, options: RequestOptions = {}): Promise<ResponseOf<C>> {
    this.assertOpen();
    return measured(contract.subject, () => inSpan(`${contract.subject} send`, SpanKind.CLIENT, context.active(), async (ctx) => {
      const headers = injectTraceContext({ ...options.headers }, ctx);
      const member = this.pickOne(contract.subject);
      if (!member) throw new GatewayError('NO_RESPONDERS', `No service answers ${contract.subject}`);
      const reply = (await withTimeout(member.deliver(payload, headers, contract.subject), options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, contract.subject)) as Reply;
      if (!reply.ok) throw new GatewayError(reply.error.code, reply.error.message);
      return reply.value as ResponseOf<C>;
    }));
  }

  async handle<C extends RequestContract>(contract: C, handler: RequestHandler<C>, options: SubscribeOptions = {}): Promise<Subscription> {
    return this.join(contract.subject, { queue: options.queue, deliver: (raw, headers) => dispatchRequest(contract, handler, raw, headers, true) });
  }

  async publish<C extends EventContract>(contract: C, payload: PayloadOf<C>, options: { headers?: MessageHeaders } = {}): Promise<void> {
    if (isPattern(contract.subject)) throw new TypeError(`publish: ${contract.subject} is a pattern; publish on one subject`);
    this.assertOpen();
    const headers = injectTraceContext({ ...options.headers });
    const members = this.fanOut(contract.subject);
    for (const [pattern, matches] of this.patterns) if (matches.test(contract.subject)) members.push(...this.fanOut(pattern));
    for (const member of members) {
      // Like NATS, publishing does not wait for subscribers, and one failing subscriber does not affect another.
      queueMicrotask(() => void member.deliver(payload, headers, contract.subject).catch(() => undefined));
    }
  }

  async subscribe<C extends EventContract>(contract: C, handler: EventHandler<C>, options: SubscribeOptions = {}): Promise<Subscription> {
    return this.join(contract.subject, { queue: options.queue, deliver: (raw, headers, subject) => dispatchEvent(contract, handler, raw, headers, subject, true) });
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.members.clear();
  }

  private join(subject: string, member: Member): Subscription {
    this.assertOpen();
    const list = this.members.get(subject) ?? [];
    list.push(member);
    this.members.set(subject, list);
    if (isPattern(subject) && !this.patterns.has(subject)) this.patterns.set(subject, matcher(subject));
    return {
      unsubscribe: async () => {
        const rest = (this.members.get(subject) ?? []).filter((m) => m !== member);
        this.members.set(subject, rest);
        if (rest.length === 0) this.patterns.delete(subject);
      },
    };
  }

  /** A request goes to one member: round robin within the first queue group (or the first plain subscriber). */
  private pickOne(subject: string): Member | undefined {
    const list = this.members.get(subject) ?? [];
    if (list.length === 0) return undefined;
    const queue = list[0]!.queue;
    const group = queue === undefined ? [list[0]!] : list.filter((m) => m.queue === queue);
    return this.rotate(`${subject}\u0000${queue ?? ''}`, group);
  }

  /** An event goes to every plain subscriber and to one member of each queue group (of this subject or pattern, as NATS groups them). */
  private fanOut(subject: string): Member[] {
    const list = this.members.get(subject) ?? [];
    const chosen: Member[] = list.filter((m) => m.queue === undefined);
    const queues = new Set(list.flatMap((m) => (m.queue === undefined ? [] : [m.queue])));
    for (const queue of queues) {
      chosen.push(this.rotate(`${subject}\u0000${queue}`, list.filter((m) => m.queue === queue)));
    }
    return chosen;
  }

  private rotate(key: string, group: Member[]): Member {
    const next = (this.cursors.get(key) ?? 0) % group.length;
    this.cursors.set(key, next + 1);
    return group[next]!;
  }

  private assertOpen(): void {
    if (this.closed) throw new GatewayError('UNAVAILABLE', 'The bus is closed');
  }
}

/** A `*` pattern as a regular expression over subjects: one token for each `*`. */
function matcher(pattern: string): RegExp {
  // Tokens are letters, digits, '-' and '_' (see the contracts): nothing to escape but the dots.
  return new RegExp(`^${pattern.split('.').map((token) => (token === '*' ? '[^.]+' : token)).join('\\.')}$`);
}

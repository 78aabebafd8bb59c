import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ERROR_CODE_HEADER, InProcessBus, NatsBus, type Bus, type MessageContext } from '@persona-gateway/bus';
import { defineEvent, defineEventPattern, defineRequest, GatewayError } from '@persona-gateway/contracts';
import { eventually } from '@persona-gateway/testing';
import { z } from 'zod';

const spans = new InMemorySpanExporter();
beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
});

/** Contracts with subjects unique to this run: other suites share the nats-server. */
function contracts() {
  const id = randomBytes(4).toString('hex');
  const Echo = defineRequest({
    subject: `test.${id}.echo.v1`,
    request: z.object({ text: z.string().max(100) }),
    response: z.object({ text: z.string(), servedBy: z.string() }),
  });
  // Same subject, no validation: stands for a buggy or hostile sender.
  const LooseEcho = defineRequest({ subject: Echo.subject, request: z.unknown(), response: z.unknown() });
  const Fail = defineRequest({ subject: `test.${id}.fail.v1`, request: z.object({ how: z.enum(['coded', 'crash', 'bad-response', 'slow']) }), response: z.object({ ok: z.boolean() }) });
  const Nobody = defineRequest({ subject: `test.${id}.nobody.v1`, request: z.object({}), response: z.object({}) });
  const Happened = defineEvent({ subject: `test.${id}.happened.v1`, payload: z.object({ n: z.number().int() }) });
  const Kind = (kind: string) => defineEvent({ subject: `test.${id}.kind.${kind}.v1`, payload: z.object({ n: z.number().int() }) });
  const AnyKind = defineEventPattern({ subject: `test.${id}.kind.*.v1`, payload: z.object({ n: z.number().int() }) });
  return { Echo, LooseEcho, Fail, Nobody, Happened, Kind, AnyKind };
}

interface Transport {
  name: string;
  /** Whether messages cross a process boundary, and so are validated on receipt. */
  wire: boolean;
  /** Buses that behave as separate processes (two replicas and a caller). */
  open(): Promise<{ caller: Bus; replicaA: Bus; replicaB: Bus; close(): Promise<void> }>;
}

const transports: Transport[] = [
  {
    name: 'in-process',
    wire: false,
    async open() {
      const bus = new InProcessBus();
      return { caller: bus, replicaA: bus, replicaB: bus, close: () => bus.close() };
    },
  },
  {
    name: 'NATS (real nats-server)',
    wire: true,
    async open() {
      const servers = process.env.PGW_TEST_NATS_URL!;
      const [caller, replicaA, replicaB] = await Promise.all(['caller', 'replica-a', 'replica-b'].map((name) => NatsBus.connect({ servers, name })));
      return { caller: caller!, replicaA: replicaA!, replicaB: replicaB!, close: async () => void (await Promise.all([caller!.close(), replicaA!.close(), replicaB!.close()])) };
    },
  },
];

describe.each(transports)('bus over $name', (transport) => {
  let buses: Awaited<ReturnType<Transport['open']>>;
  let c: ReturnType<typeof contracts>;

  beforeEach(async () => {
    buses = await transport.open();
    c = contracts();
  });
  afterEach(async () => {
    await buses.close();
  });

  it('answers a request with the validated response', async () => {
    await buses.replicaA.handle(c.Echo, (request) => ({ text: request.text.toUpperCase(), servedBy: 'a' }));
    await expect(buses.caller.request(c.Echo, { text: 'hello' })).resolves.toEqual({ text: 'HELLO', servedBy: 'a' });
  });

  // Each transport gets only the tests of its own semantics (no skipped placeholders).
  const onTheWire: typeof it = transport.wire ? it : ((() => undefined) as never);
  const inProcess: typeof it = transport.wire ? ((() => undefined) as never) : it;

  inProcess('hands the sender\'s objects to the handler and back as they are: one program, nothing to parse', async () => {
    const sent = { text: 'hello', extra: { nested: [1, 2] } };
    let received: unknown;
    await buses.replicaA.handle(c.Echo, (request) => {
      received = request;
      return { text: request.text, servedBy: 'a', note: 'kept' } as never;
    });
    const reply = await buses.caller.request(c.Echo, sent as never);
    expect(received).toBe(sent);
    expect(reply).toEqual({ text: 'hello', servedBy: 'a', note: 'kept' });
  });

  onTheWire('refuses a malformed payload with INVALID_PAYLOAD naming the subject and field, on both sides', async () => {
    let calls = 0;
    await buses.replicaA.handle(c.Echo, (request) => {
      calls += 1;
      return { text: request.text, servedBy: 'a' };
    });
    const sent = await buses.caller.request(c.Echo, { text: 42 } as never).catch((e: unknown) => e);
    expect(sent).toBeInstanceOf(GatewayError);
    expect(sent).toMatchObject({ code: 'INVALID_PAYLOAD' });
    expect((sent as Error).message).toContain(c.Echo.subject);
    expect((sent as Error).message).toContain('text');

    const received = await buses.caller.request(c.LooseEcho, { text: 'x'.repeat(101) }).catch((e: unknown) => e);
    expect(received).toMatchObject({ code: 'INVALID_PAYLOAD' });
    expect((received as Error).message).toMatch(/Invalid request for test\.[0-9a-f]+\.echo\.v1: text/);
    expect(calls).toBe(0);
  });

  it('carries stable error codes, hides unexpected failures, and rejects a bad response', async () => {
    await buses.replicaA.handle(c.Fail, async ({ how }) => {
      if (how === 'coded') throw new GatewayError('NOT_FOUND', 'Unknown tool: Jira_deleteEverything');
      if (how === 'crash') throw new Error('connection to postgres://admin:hunter2@db failed');
      if (how === 'slow') await new Promise((resolve) => setTimeout(resolve, 1_000));
      return how === 'bad-response' ? ({ ok: 'yes' } as never) : { ok: true };
    });
    await expect(buses.caller.request(c.Fail, { how: 'coded' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'Unknown tool: Jira_deleteEverything' });
    const crash = await buses.caller.request(c.Fail, { how: 'crash' }).catch((e: unknown) => e as GatewayError);
    expect(crash).toMatchObject({ code: 'INTERNAL', message: 'Internal error' });
    expect(JSON.stringify(crash)).not.toContain('hunter2');
    if (transport.wire) await expect(buses.caller.request(c.Fail, { how: 'bad-response' })).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' });
    await expect(buses.caller.request(c.Fail, { how: 'slow' }, { timeoutMs: 100 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    await expect(buses.caller.request(c.Nobody, {}, { timeoutMs: 2_000 })).rejects.toMatchObject({ code: 'NO_RESPONDERS' });
  });

  it('shares requests across two replicas in one queue group', async () => {
    const served = { a: 0, b: 0 };
    await buses.replicaA.handle(c.Echo, ({ text }) => ((served.a += 1), { text, servedBy: 'a' }), { queue: 'router' });
    await buses.replicaB.handle(c.Echo, ({ text }) => ((served.b += 1), { text, servedBy: 'b' }), { queue: 'router' });
    const replies = await Promise.all(Array.from({ length: 60 }, (_, i) => buses.caller.request(c.Echo, { text: String(i) })));
    expect(replies.map((r) => r.text)).toEqual(Array.from({ length: 60 }, (_, i) => String(i)));
    expect(served.a + served.b).toBe(60); // each request answered exactly once
    expect(served.a).toBeGreaterThanOrEqual(10);
    expect(served.b).toBeGreaterThanOrEqual(10);
  });

  it('delivers events to every plain subscriber and to one member of each queue group', async () => {
    const seen: Record<string, number[]> = { plain1: [], plain2: [], groupA: [], groupB: [] };
    await buses.replicaA.subscribe(c.Happened, ({ n }) => void seen.plain1!.push(n));
    await buses.replicaB.subscribe(c.Happened, ({ n }) => void seen.plain2!.push(n));
    const groupBus = transport.name === 'in-process' ? buses.caller : await NatsBus.connect({ servers: process.env.PGW_TEST_NATS_URL!, name: 'group' });
    const groupBus2 = transport.name === 'in-process' ? buses.caller : await NatsBus.connect({ servers: process.env.PGW_TEST_NATS_URL!, name: 'group2' });
    try {
      await groupBus.subscribe(c.Happened, ({ n }) => void seen.groupA!.push(n), { queue: 'projections' });
      await groupBus2.subscribe(c.Happened, ({ n }) => void seen.groupB!.push(n), { queue: 'projections' });
      for (let n = 0; n < 20; n++) await buses.caller.publish(c.Happened, { n });
      await buses.caller.ping();
      const deadline = Date.now() + 5_000;
      while (seen.plain1!.length + seen.plain2!.length + seen.groupA!.length + seen.groupB!.length < 60 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(seen.plain1).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(seen.plain2).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect([...seen.groupA!, ...seen.groupB!].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    } finally {
      if (groupBus !== buses.caller) await Promise.all([groupBus.close(), groupBus2.close()]);
    }
    // Before it goes out on the wire, an event is checked against its contract.
    if (transport.wire) await expect(buses.caller.publish(c.Happened, { n: 1.5 })).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' });
  });

  it('delivers an event to the subscribers of its subject and of a pattern matching it, and refuses to publish on a pattern', async () => {
    const seen: Record<string, Array<[string, number]>> = { a: [], any: [], grouped: [] };
    await buses.replicaA.subscribe(c.Kind('a'), ({ n }, { subject }) => void seen.a!.push([subject, n]));
    await buses.replicaB.subscribe(c.AnyKind, ({ n }, { subject }) => void seen.any!.push([subject, n]));
    await buses.replicaB.subscribe(c.Kind('b'), ({ n }, { subject }) => void seen.grouped!.push([subject, n]), { queue: 'one' });
    for (let n = 0; n < 3; n++) {
      await buses.caller.publish(c.Kind('a'), { n });
      await buses.caller.publish(c.Kind('b'), { n });
      await buses.caller.publish(c.Kind('c-d'), { n });
    }
    await buses.caller.publish(c.Happened, { n: 99 }); // another subject: no pattern here matches it
    await buses.caller.ping();
    await eventually('nine events through the pattern', () => seen.any!.length === 9);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const subject = (kind: string) => c.Kind(kind).subject;
    expect(seen.a).toEqual([0, 1, 2].map((n) => [subject('a'), n]));
    expect(seen.grouped).toEqual([0, 1, 2].map((n) => [subject('b'), n]));
    expect(seen.any).toEqual([0, 1, 2].flatMap((n) => ['a', 'b', 'c-d'].map((kind) => [subject(kind), n])));
    await expect(buses.caller.publish(c.AnyKind, { n: 1 })).rejects.toThrow(TypeError);
    expect(() => defineEventPattern({ subject: 'test.*', payload: z.object({}) })).toThrow(TypeError);
    expect(() => defineEventPattern({ subject: 'test.no-wildcard.v1', payload: z.object({}) })).toThrow(TypeError);
    expect(() => defineEvent({ subject: 'test.*.v1', payload: z.object({}) })).toThrow(TypeError);
  });

  it('propagates trace context and caller headers to the handler', async () => {
    let handlerContext: MessageContext | undefined;
    let activeTraceId: string | undefined;
    await buses.replicaA.handle(c.Echo, (request, ctx) => {
      handlerContext = ctx;
      activeTraceId = trace.getSpanContext(context.active())?.traceId;
      return { text: request.text, servedBy: 'a' };
    });
    const tracer = trace.getTracer('test');
    const traceId = await tracer.startActiveSpan('edge request', async (span) => {
      await buses.caller.request(c.Echo, { text: 'traced' }, { headers: { 'x-correlation-id': 'corr-1' } });
      span.end();
      return span.spanContext().traceId;
    });
    expect(handlerContext!.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(handlerContext!.headers['x-correlation-id']).toBe('corr-1');
    expect(activeTraceId).toBe(traceId);
    const names = spans.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId).map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining([`${c.Echo.subject} send`, `${c.Echo.subject} process`]));
  });
});

describe('NATS wire format', () => {
  let raw: NatsConnection;
  let bus: NatsBus;
  beforeAll(async () => {
    raw = await connect({ servers: process.env.PGW_TEST_NATS_URL! });
    bus = await NatsBus.connect({ servers: process.env.PGW_TEST_NATS_URL!, name: 'wire' });
  });
  afterAll(async () => {
    await raw.close();
    await bus.close();
  });

  it('puts the error code in a header, not in the payload', async () => {
    const { Fail } = contracts();
    await bus.handle(Fail, () => {
      throw new GatewayError('NOT_FOUND', 'Unknown tool: X');
    });
    const reply = await raw.request(Fail.subject, JSON.stringify({ pattern: Fail.subject, data: { how: 'coded' }, id: 'raw-1' }), { timeout: 2_000 });
    expect(reply.headers?.get(ERROR_CODE_HEADER)).toBe('NOT_FOUND');
    expect(reply.string()).not.toContain('NOT_FOUND');
    expect(reply.json()).toMatchObject({ id: 'raw-1', err: { message: 'Unknown tool: X' } });
  });

  it('answers Nest\'s packet format, and refuses bytes that are not a packet at once instead of leaving the sender to time out', async () => {
    const { Echo } = contracts();
    let calls = 0;
    await bus.handle(Echo, ({ text }) => {
      calls += 1;
      return { text, servedBy: 'nats' };
    });
    const ok = await raw.request(Echo.subject, JSON.stringify({ pattern: Echo.subject, data: { text: 'hi' }, id: 'raw-2' }), { timeout: 2_000 });
    expect(ok.json()).toEqual({ id: 'raw-2', response: { text: 'hi', servedBy: 'nats' }, isDisposed: true });
    for (const garbage of ['not json', '{"pattern":', '[1,2,3]']) {
      // A request left unanswered would reject with a timeout.
      const reply = await raw.request(Echo.subject, garbage, { timeout: 2_000 });
      expect(reply.headers?.get(ERROR_CODE_HEADER)).toBe('INVALID_PAYLOAD');
    }
    expect(calls).toBe(1);
  });

  it("delivers events in Nest's record format and as bare JSON, and drops what is neither without missing the next", async () => {
    const { Happened } = contracts();
    const seen: number[] = [];
    await bus.subscribe(Happened, ({ n }) => void seen.push(n));
    raw.publish(Happened.subject, JSON.stringify({ pattern: Happened.subject, data: { n: 1 } }));
    raw.publish(Happened.subject, JSON.stringify({ n: 2 }));
    for (const garbage of ['not json', '{"data":{"n":"three"}}', 'null']) raw.publish(Happened.subject, garbage);
    await raw.flush();
    await bus.publish(Happened, { n: 4 });
    await eventually('three events', () => seen.length === 3);
    expect(seen).toEqual([1, 2, 4]);
  });

  it('gives each of many concurrent requests its own reply, drops a reply that comes after the timeout, and keeps working', async () => {
    const { Echo, Fail } = contracts();
    await bus.handle(Echo, async ({ text }) => {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
      return { text, servedBy: 'nats' };
    });
    const texts = Array.from({ length: 200 }, (_, i) => `t${i}`);
    const replies = await Promise.all(texts.map((text) => bus.request(Echo, { text })));
    expect(replies.map((r) => r.text)).toEqual(texts);

    let late = 0;
    await bus.handle(Fail, async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      late += 1;
      return { ok: true };
    });
    await expect(bus.request(Fail, { how: 'slow' }, { timeoutMs: 50 })).rejects.toMatchObject({ code: 'TIMEOUT', message: `No reply to ${Fail.subject} within 50 ms` });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(late).toBe(1); // the reply was sent, and went nowhere
    expect(await bus.request(Echo, { text: 'after' })).toEqual({ text: 'after', servedBy: 'nats' });
  });

  it('fails a request still waiting when its bus closes at once, instead of at its timeout', async () => {
    const { Echo } = contracts();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    await bus.handle(Echo, async ({ text }) => {
      await released;
      return { text, servedBy: 'nats' };
    });
    const closing = await NatsBus.connect({ servers: process.env.PGW_TEST_NATS_URL!, name: 'closing' });
    const started = performance.now();
    const waiting = closing.request(Echo, { text: 'x' }, { timeoutMs: 30_000 }).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await closing.close();
    expect(await waiting).toMatchObject({ code: 'UNAVAILABLE', message: `Bus request ${Echo.subject} failed: the connection closed` });
    expect(performance.now() - started).toBeLessThan(10_000); // the handler has not answered, the timeout is 30 s away
    release();
  });
});

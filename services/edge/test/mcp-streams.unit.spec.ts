import { OutboundStream, parseEventId } from '../src/mcp/outbound-stream.js';
import { sseEvent, type SseSink } from '../src/mcp/sse.js';
import { StreamRegistry } from '../src/mcp/stream-registry.js';

/** An in-memory connection. */
class MemorySink implements SseSink {
  readonly chunks: string[] = [];
  closed = false;
  private readonly listeners: Array<() => void> = [];
  write(chunk: string) {
    if (!this.closed) this.chunks.push(chunk);
  }
  end() {
    if (this.closed) return;
    this.closed = true;
    for (const listener of this.listeners) listener();
  }
  onClose(listener: () => void) {
    this.listeners.push(listener);
  }
  /** Client side of a dropped connection. */
  drop() {
    this.end();
  }
  ids() {
    return this.chunks.flatMap((chunk) => /^id: (\S+)/.exec(chunk)?.[1] ?? []);
  }
}

const owner = { persona: 'demo', session: 'session-1' };

describe('an outbound SSE stream', () => {
  let clock = 0;
  const now = () => clock;
  const stream = (limits = { maxEvents: 3, maxAgeMs: 1_000 }) => new OutboundStream({ id: 'stream-0001', owner, kind: 'standalone' }, limits, now);

  it('numbers its events so that Last-Event-ID finds the stream and the place', () => {
    const s = stream();
    const sink = new MemorySink();
    s.attach(sink, { prime: true });
    s.send('{"n":1}');
    expect(sink.chunks).toEqual(['id: stream-0001.0\ndata: \n\n', 'id: stream-0001.1\nevent: message\ndata: {"n":1}\n\n']);
    expect(parseEventId('stream-0001.1')).toEqual({ stream: 'stream-0001', seq: 1 });
    for (const bad of ['stream-0001', 'short.1', 'stream-0001.-1', 'stream 0001.1', `${'a'.repeat(65)}.1`]) expect(parseEventId(bad)).toBeUndefined();
  });

  it('keeps events while nobody is connected and replays those after the cursor', () => {
    const s = stream();
    const first = new MemorySink();
    s.attach(first);
    s.send('{"n":1}');
    first.drop();
    expect(s.connected).toBe(false);
    s.send('{"n":2}');
    s.send('{"n":3}');
    const second = new MemorySink();
    s.attach(second, { after: 1 });
    expect(second.ids()).toEqual(['stream-0001.2', 'stream-0001.3']);
    s.send('{"n":4}');
    expect(second.ids()).toEqual(['stream-0001.2', 'stream-0001.3', 'stream-0001.4']);
  });

  it('bounds what it keeps by count and by age', () => {
    clock = 0;
    const s = stream();
    for (let n = 1; n <= 5; n++) s.send(`{"n":${n}}`);
    const late = new MemorySink();
    s.attach(late, { after: 0 });
    expect(late.ids()).toEqual(['stream-0001.3', 'stream-0001.4', 'stream-0001.5']);
    clock = 2_000;
    expect(s.hasEventsAfter(0)).toBe(false);
  });

  it('hands the stream to the newest connection and ends it when finished', () => {
    const s = stream();
    const stale = new MemorySink();
    const fresh = new MemorySink();
    s.attach(stale);
    s.attach(fresh);
    expect(stale.closed).toBe(true);
    s.send('{"n":1}');
    expect(stale.ids()).toEqual([]);
    s.finish();
    expect(fresh.closed).toBe(true);
    const replay = new MemorySink();
    s.attach(replay, { after: 0 });
    expect(replay.ids()).toEqual(['stream-0001.1']);
    expect(replay.closed).toBe(true);
  });

  it('writes multi-line data as several data lines', () => {
    expect(sseEvent('s.1', '{\n"a": 1\n}')).toBe('id: s.1\nevent: message\ndata: {\ndata: "a": 1\ndata: }\n\n');
  });
});

describe('the stream registry', () => {
  it('sends a server-initiated message once per session: on its newest connected stream', () => {
    const registry = new StreamRegistry();
    const older = registry.open(owner, 'standalone');
    const newer = registry.open(owner, 'standalone');
    const otherSession = registry.open({ persona: 'demo', session: 'session-2' }, 'standalone');
    registry.open({ persona: 'other', session: 'session-3' }, 'standalone');
    const olderSink = new MemorySink();
    const newerSink = new MemorySink();
    older.attach(olderSink);
    newer.attach(newerSink);
    newerSink.drop();
    expect(registry.notifyPersona('demo', '{"m":1}')).toBe(2);
    expect(olderSink.ids()).toEqual([`${older.id}.1`]);
    expect(newer.hasEventsAfter(0)).toBe(false);
    expect(otherSession.hasEventsAfter(0)).toBe(true);
  });

  it('forgets ended and abandoned streams after the retention age, but not a pending call', () => {
    let clock = 0;
    const registry = new StreamRegistry({ maxEvents: 10, maxAgeMs: 1_000 }, 100, () => clock);
    const ended = registry.open(owner, 'request', 1);
    ended.finish();
    const pending = registry.open(owner, 'request', 2);
    const abandoned = registry.open(owner, 'standalone');
    const live = registry.open(owner, 'standalone');
    live.attach(new MemorySink());
    clock = 5_000;
    registry.sweep();
    expect([ended, pending, abandoned, live].map((s) => registry.get(s.id) !== undefined)).toEqual([false, true, false, true]);
  });

  it('makes room when full by dropping idle streams, oldest first', () => {
    let clock = 0;
    const registry = new StreamRegistry({ maxEvents: 10, maxAgeMs: 60_000 }, 3, () => clock);
    const streams = [1, 2, 3].map(() => {
      clock += 1;
      return registry.open(owner, 'standalone');
    });
    streams[1]!.attach(new MemorySink());
    registry.open(owner, 'standalone');
    expect(registry.size).toBe(3);
    expect(registry.get(streams[0]!.id)).toBeUndefined();
    expect(registry.get(streams[1]!.id)).toBeDefined();
  });
});

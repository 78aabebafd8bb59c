import { SessionListV1 } from '@persona-gateway/contracts';
import { eventually } from '@persona-gateway/testing';
import { startEverything, type RunningServer } from './support/downstreams.js';
import { http, key, startHarness, text, type Harness } from './support/harness.js';

describe('session table (server-everything over Streamable HTTP)', () => {
  let everything: RunningServer;
  let harness: Harness | undefined;

  beforeAll(async () => {
    everything = await startEverything('streamableHttp');
  });
  afterAll(async () => {
    await everything?.stop();
  });
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('runs 100 concurrent calls for one key through exactly one downstream session', async () => {
    harness = await startHarness();
    const h = harness;
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => h.call(key('Everything'), http(everything.url), 'echo', { message: `call ${i}` })));
    expect(results.map(text)).toEqual(Array.from({ length: 100 }, (_, i) => `Echo: call ${i}`));
    const listed = await h.bus.request(SessionListV1, {});
    expect(listed.openedTotal).toBe(1);
    expect(listed.sessions).toHaveLength(1);
    expect(listed.sessions[0]).toMatchObject({ key: key('Everything'), downstreamSessionId: expect.any(String) });
  });

  it('never lets two principals share a session', async () => {
    harness = await startHarness();
    await harness.call(key('Everything', 'alice'), http(everything.url), 'echo', { message: 'from alice' });
    await harness.call(key('Everything', 'bob'), http(everything.url), 'echo', { message: 'from bob' });
    await harness.call(key('Everything', 'alice'), http(everything.url), 'echo', { message: 'alice again' });
    const listed = harness.service.list();
    expect(listed.openedTotal).toBe(2);
    const ids = Object.fromEntries(listed.sessions.map((s) => [s.key.principal, s.downstreamSessionId]));
    expect(ids.alice).toEqual(expect.any(String));
    expect(ids.bob).toEqual(expect.any(String));
    expect(ids.alice).not.toBe(ids.bob);
  });

  it('closes a session left idle past the TTL and opens a new one on the next call', async () => {
    harness = await startHarness({ idleTtlMs: 300 });
    await harness.call(key('Everything'), http(everything.url), 'echo', { message: 'first' });
    const first = harness.service.list().sessions[0]!.downstreamSessionId;
    await eventually('the idle session to close', () => harness!.service.list().sessions.length === 0, 5_000);
    await expect(harness.call(key('Everything'), http(everything.url), 'echo', { message: 'second' })).resolves.toMatchObject({ content: [{ text: 'Echo: second' }] });
    const listed = harness.service.list();
    expect(listed.openedTotal).toBe(2);
    expect(listed.sessions[0]!.downstreamSessionId).not.toBe(first);
  });

  it('keeps a session whose call outlasts the TTL', async () => {
    harness = await startHarness({ idleTtlMs: 200 });
    const result = await harness.call(key('Everything'), http(everything.url), 'trigger-long-running-operation', { duration: 1, steps: 2 });
    expect(text(result)).toContain('Long running operation completed');
    // Closed under the call, the session would have had to reopen (or the call would have failed).
    expect(harness.service.list()).toMatchObject({ openedTotal: 1, sessions: [expect.anything()] });
  });

  it('opens a new session when the gateway definition changes', async () => {
    harness = await startHarness();
    await harness.call(key('Everything'), http(everything.url), 'echo', { message: 'old url' });
    const sameServer = `${everything.url}?edited=1`;
    await harness.call(key('Everything'), http(sameServer), 'echo', { message: 'new url' });
    const listed = harness.service.list();
    expect(listed.openedTotal).toBe(2);
    expect(listed.sessions).toHaveLength(1);
  });
});

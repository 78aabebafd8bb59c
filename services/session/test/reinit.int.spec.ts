import { eventually } from '@persona-gateway/testing';
import { startEverything, type RunningServer } from './support/downstreams.js';
import { http, key, startHarness, text, type Harness } from './support/harness.js';
import { startRecordingServer, type RecordingServer } from './support/recording-server.js';

describe('a downstream that forgets its session', () => {
  let harness: Harness;
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(async () => {
    await harness.close();
  });

  it('is re-initialised without the caller noticing (server-everything restarted on the same port)', async () => {
    let everything: RunningServer = await startEverything('streamableHttp');
    try {
      await harness.call(key('Everything'), http(everything.url), 'echo', { message: 'before' });
      const before = harness.service.list().sessions[0]!.downstreamSessionId;
      await everything.stop();
      everything = await startEverything('streamableHttp', everything.port);
      const result = await harness.call(key('Everything'), http(everything.url), 'echo', { message: 'after' });
      expect(text(result)).toBe('Echo: after');
      const listed = harness.service.list();
      expect(listed.openedTotal).toBe(2);
      expect(listed.sessions).toHaveLength(1);
      expect(listed.sessions[0]!.downstreamSessionId).not.toBe(before);
    } finally {
      await everything.stop();
    }
  });

  it('reconnects a legacy SSE downstream whose event stream broke (server restarted)', async () => {
    let everything: RunningServer = await startEverything('sse');
    const connection = { type: 'sse' as const, url: everything.url, headers: {} };
    try {
      await harness.call(key('Legacy'), connection, 'echo', { message: 'before' });
      await everything.stop();
      await eventually('the broken session to leave the table', () => harness.service.list().sessions.length === 0, 5_000);
      everything = await startEverything('sse', everything.port);
      const result = await harness.call(key('Legacy'), connection, 'echo', { message: 'after' });
      expect(text(result)).toBe('Echo: after');
      expect(harness.service.list().openedTotal).toBe(2);
    } finally {
      await everything.stop();
    }
  });

  describe('answering 404 as the specification says', () => {
    let server: RecordingServer;
    beforeEach(async () => {
      server = await startRecordingServer();
    });
    afterEach(async () => {
      await server.close();
    });

    it('re-sends concurrent calls once, all on one new session', async () => {
      await harness.call(key('Recorder'), http(server.url), 'whoami');
      await server.forget();
      const results = await Promise.all(Array.from({ length: 20 }, () => harness.call(key('Recorder'), http(server.url), 'whoami')));
      expect(results.map(text)).toEqual(Array(20).fill('hello from the recording server'));
      expect(harness.service.list().openedTotal).toBe(2);
      const refused = server.requests.filter((r) => r.method === 'POST').length;
      // 1 init + 1 initialized + 1 call, then 20 refused, 2 for the new init, 20 re-sent.
      expect(refused).toBe(3 + 20 + 2 + 20);
    });
  });
});

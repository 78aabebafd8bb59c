import { closeInOrder } from '../src/runtime.js';

describe('stopping the runtime', () => {
  it('runs every part in order, and leaves a part that hangs or fails behind with a warning instead of stopping there', async () => {
    const ran: string[] = [];
    const warnings: string[] = [];
    const step = (what: string, run: () => Promise<unknown>) => ({ what, run: () => (ran.push(what), run()) });
    await closeInOrder(
      [
        step('projections', async () => undefined),
        step('read models', () => new Promise(() => undefined)), // a query that never returns
        step('bus', async () => {
          throw new Error('already closed');
        }),
        step('database (embedded)', async () => undefined),
      ],
      300,
      { warn: (message) => void warnings.push(message) },
    );
    expect(ran).toEqual(['projections', 'read models', 'bus', 'database (embedded)']);
    expect(warnings).toEqual([expect.stringMatching(/^shutdown: read models did not stop within \d+ ms; going on$/), 'shutdown: bus: Error: already closed']);
  });
});

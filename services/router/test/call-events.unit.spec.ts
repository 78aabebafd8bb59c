import { isoTime } from '../src/call-events.js';

describe('call event timestamps', () => {
  it('formats an epoch time exactly as Date#toISOString does, across seconds, minutes, days and years', () => {
    const samples = [0, 1, 9, 10, 99, 100, 999, 1_000, 59_999, 60_000, 60_001, 3_599_999, 86_399_999, 86_400_000];
    const bases = [Date.UTC(2026, 10, 24, 9, 41, 59, 998), Date.UTC(2026, 11, 31, 23, 59, 59, 999), Date.UTC(2028, 1, 29, 0, 0, 0, 0)];
    for (const base of bases) for (const offset of samples) expect(isoTime(base + offset)).toBe(new Date(base + offset).toISOString());
    // Going back in time (another call, an earlier clock) re-formats the minute rather than reusing the last one.
    let t = Date.UTC(2026, 10, 24, 12, 0, 0, 0);
    for (let i = 0; i < 5_000; i++, t += i % 2 === 0 ? 37_123 : -20_001) expect(isoTime(t)).toBe(new Date(t).toISOString());
  });
});

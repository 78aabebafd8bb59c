import { SecretBox } from '@persona-gateway/secrets';
import { SESSION_CONTEXT, SessionTokens } from '../src/mcp/session-token.js';
import { TerminatedSessions } from '../src/mcp/terminated-sessions.js';
import { randomKey } from './support/edge-app.js';

describe('sealed session ids', () => {
  let clock = 1_000_000;
  const now = () => clock;
  const box = SecretBox.fromKey(randomKey());
  const tokens = new SessionTokens(box, 60_000, now);

  it('carry persona, principal, version and issue time, readable by any replica with the key', () => {
    const { id, claims } = tokens.issue({ persona: 'demo', principal: 'user:alice', protocolVersion: '2025-11-25' });
    expect(id).toMatch(/^[\x21-\x7e]+$/);
    expect(id).not.toContain('alice');
    expect(claims).toEqual({ persona: 'demo', principal: 'user:alice', protocolVersion: '2025-11-25', issuedAt: clock, key: expect.stringMatching(/^[\w-]{22}$/) });
    expect(new SessionTokens(box, 60_000, now).open(id)).toEqual(claims);
  });

  it('are unique, and refused when tampered with, sealed elsewhere, or expired', () => {
    const first = tokens.issue({ persona: 'demo', principal: 'p', protocolVersion: '2025-11-25' });
    const second = tokens.issue({ persona: 'demo', principal: 'p', protocolVersion: '2025-11-25' });
    expect(first.id).not.toBe(second.id);
    expect(first.claims.key).not.toBe(second.claims.key);

    const parts = first.id.split('.');
    parts[2] = parts[2]!.slice(0, -2) + (parts[2]!.endsWith('AA') ? 'BB' : 'AA');
    expect(tokens.open(parts.join('.'))).toBeUndefined();
    expect(new SessionTokens(SecretBox.fromKey(randomKey()), 60_000, now).open(first.id)).toBeUndefined();
    expect(tokens.open(box.seal(JSON.stringify({ v: 1, s: 'demo', p: 'p', pv: 'x', iat: clock, k: 'k' }), 'gateway/Jira'))).toBeUndefined();
    expect(tokens.open(box.seal('{"v":2}', SESSION_CONTEXT))).toBeUndefined();
    expect(tokens.open('')).toBeUndefined();

    clock += 60_000;
    expect(tokens.open(first.id)).toBeUndefined();
  });
});

describe('the terminated-session set', () => {
  it('refuses a key until the session would have expired anyway', () => {
    let clock = 0;
    const set = new TerminatedSessions(10, () => clock);
    set.add('a', 100);
    expect(set.has('a')).toBe(true);
    expect(set.has('b')).toBe(false);
    clock = 100;
    expect(set.has('a')).toBe(false);
    set.add('late', 50);
    expect(set.size).toBe(0);
  });

  it('stays within its capacity, forgetting the oldest first', () => {
    const set = new TerminatedSessions(3, () => 0);
    for (const key of ['a', 'b', 'c', 'd']) set.add(key, 1_000);
    expect(set.size).toBe(3);
    expect(['a', 'b', 'c', 'd'].map((key) => set.has(key))).toEqual([false, true, true, true]);
    expect(() => new TerminatedSessions(0)).toThrow(TypeError);
  });
});

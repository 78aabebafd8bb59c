import { ApiKeys, generateApiKey, parseApiKey, type Clock } from '@persona-gateway/access';
import type { RecordedEvent } from '@persona-gateway/contracts';

const DAY = 86_400_000;
let position = 0;
const event = (streamId: string, type: string, data: unknown): RecordedEvent => ({ position: ++position, streamId, version: 1, type, data, metadata: {}, recordedAt: new Date().toISOString() });

function issue(keys: ApiKeys, persona: string, expiresAt: number | null, name = 'ci') {
  const generated = generateApiKey();
  keys.apply(event(`apikey-${generated.id}`, 'ApiKeyIssued', { id: generated.id, persona, name, prefix: generated.prefix, hash: generated.hash, expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString() }));
  return generated;
}

describe('API keys (format, verification, expiry)', () => {
  const start = Date.parse('2030-01-01T00:00:00Z');
  const clock = { now: start } as { now: number };
  const injected: Clock = { now: () => clock.now };

  it('have a recognisable format: pgw_, a 16-hex id, 256 random bits; only hash and prefix leave generation', () => {
    const key = generateApiKey();
    expect(key.key).toMatch(/^pgw_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(parseApiKey(key.key)).toEqual({ id: key.id });
    expect(key.prefix).toBe(`pgw_${key.id}`);
    expect(key.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(key.hash).not.toContain(key.key.slice(-43));
    expect(generateApiKey().key).not.toBe(key.key);
  });

  it('accept a key on its persona only, as its own api-key principal', () => {
    const keys = new ApiKeys(injected);
    const a = issue(keys, 'persona-a', null, 'deploy bot');
    expect(keys.verify(a.key, 'persona-a')).toEqual({ ok: true, principal: { id: `apikey:${a.id}`, kind: 'api-key', label: 'deploy bot' } });
    expect(keys.verify(a.key, 'persona-b')).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuse malformed, tampered and unknown keys (unknown ids may be caught up on)', () => {
    const keys = new ApiKeys(injected);
    const a = issue(keys, 'p', null);
    const tampered = `${a.key.slice(0, -1)}${a.key.endsWith('A') ? 'B' : 'A'}`;
    expect(keys.verify(tampered, 'p')).toEqual({ ok: false, reason: 'invalid' });
    expect(keys.verify('not-a-key', 'p')).toEqual({ ok: false, reason: 'invalid' });
    expect(keys.verify('pgw_admin_abcdef', 'p')).toEqual({ ok: false, reason: 'invalid' });
    expect(keys.verify(generateApiKey().key, 'p')).toEqual({ ok: false, reason: 'unknown' });
  });

  it('refuse a 30-day key once the clock passes its expiry; a "never" key keeps working', () => {
    const keys = new ApiKeys(injected);
    clock.now = start;
    const month = issue(keys, 'p', start + 30 * DAY);
    const never = issue(keys, 'p', null);
    clock.now = start + 30 * DAY - 1;
    expect(keys.verify(month.key, 'p').ok).toBe(true);
    clock.now = start + 30 * DAY;
    expect(keys.verify(month.key, 'p')).toEqual({ ok: false, reason: 'invalid' });
    clock.now = start + 10 * 365 * DAY;
    expect(keys.verify(never.key, 'p').ok).toBe(true);
  });

  it('refuse a revoked key from the revocation event on', () => {
    const keys = new ApiKeys(injected);
    clock.now = start;
    const a = issue(keys, 'p', null);
    const b = issue(keys, 'p', null);
    keys.apply(event(`apikey-${a.id}`, 'ApiKeyRevoked', { id: a.id, revokedBy: 'admin' }));
    expect(keys.verify(a.key, 'p')).toEqual({ ok: false, reason: 'invalid' });
    expect(keys.verify(b.key, 'p').ok).toBe(true);
  });
});

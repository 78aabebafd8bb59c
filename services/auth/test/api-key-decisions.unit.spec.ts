import { decideIssueApiKey, decideRevokeApiKey, EXPIRY_MS } from '@persona-gateway/auth';
import { GatewayError } from '@persona-gateway/contracts';

const generated = { id: '0123456789abcdef', hash: 'a'.repeat(64), prefix: 'pgw_0123456789abcdef' };
const now = Date.parse('2030-01-01T00:00:00Z');
const persona = (nonInteractive: boolean) => ({ slug: 'ops', auth: { nonInteractive } });

describe('API key decisions', () => {
  it('issues a key with its expiry, the hash and prefix, never a secret', () => {
    const [issued] = decideIssueApiKey({ persona: 'ops', name: 'ci', expires: '30d' }, persona(true), generated, now);
    expect(issued).toEqual({ type: 'ApiKeyIssued', data: { ...generated, persona: 'ops', name: 'ci', expiresAt: '2030-01-31T00:00:00.000Z' } });
    expect(decideIssueApiKey({ persona: 'ops', name: 'ci', expires: 'never' }, persona(true), generated, now)[0]!.data).toMatchObject({ expiresAt: null });
    expect(EXPIRY_MS['1y']).toBe(365 * 86_400_000);
  });

  it('refuses keys for unknown personas and for personas without non-interactive authentication', () => {
    expect(() => decideIssueApiKey({ persona: 'x', name: 'ci', expires: '90d' }, undefined, generated, now)).toThrow(new GatewayError('NOT_FOUND', 'Unknown persona: x'));
    expect(() => decideIssueApiKey({ persona: 'ops', name: 'ci', expires: '90d' }, persona(false), generated, now)).toThrow(/does not accept API keys/);
  });

  it('revokes once, naming the actor', () => {
    const key = { id: generated.id, persona: 'ops', name: 'ci', prefix: generated.prefix, createdAt: '', expiresAt: null, version: 1 };
    expect(decideRevokeApiKey(generated.id, key, 'admin')).toEqual([{ type: 'ApiKeyRevoked', data: { id: generated.id, revokedBy: 'admin' } }]);
    expect(decideRevokeApiKey(generated.id, { ...key, revokedAt: 'then' }, 'admin')).toEqual([]);
    expect(() => decideRevokeApiKey(generated.id, undefined, 'admin')).toThrow(/Unknown API key/);
  });
});

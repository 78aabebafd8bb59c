import { GatewayError, type ApiKeyExpiry, type AuthEventData, type PersonaDetails } from '@persona-gateway/contracts';
import type { ApiKeyState } from './api-key-ledger.js';

const DAY_MS = 86_400_000;
export const EXPIRY_MS: Record<ApiKeyExpiry, number | undefined> = { never: undefined, '30d': 30 * DAY_MS, '90d': 90 * DAY_MS, '1y': 365 * DAY_MS };

export type ApiKeyEvent = { type: 'ApiKeyIssued'; data: AuthEventData<'ApiKeyIssued'> } | { type: 'ApiKeyRevoked'; data: AuthEventData<'ApiKeyRevoked'> };

/**
 * Issues a key for a persona that takes API keys. Pure: the generated key material and
 * the time come in. The secret is not an input: only its hash.
 */
export function decideIssueApiKey(
  command: { persona: string; name: string; expires: ApiKeyExpiry },
  persona: Pick<PersonaDetails, 'slug' | 'auth'> | undefined,
  generated: { id: string; hash: string; prefix: string },
  now: number,
): ApiKeyEvent[] {
  if (!persona) throw new GatewayError('NOT_FOUND', `Unknown persona: ${command.persona}`);
  if (!persona.auth.nonInteractive) {
    throw new GatewayError('INVALID_ARGUMENT', `Persona ${command.persona} does not accept API keys: enable non-interactive authentication (auth.nonInteractive) first`);
  }
  const lifetime = EXPIRY_MS[command.expires];
  return [
    {
      type: 'ApiKeyIssued',
      data: { id: generated.id, persona: persona.slug, name: command.name, prefix: generated.prefix, hash: generated.hash, expiresAt: lifetime === undefined ? null : new Date(now + lifetime).toISOString() },
    },
  ];
}

/** Revoking a revoked key changes nothing. */
export function decideRevokeApiKey(id: string, key: ApiKeyState | undefined, actor: string): ApiKeyEvent[] {
  if (!key) throw new GatewayError('NOT_FOUND', `Unknown API key: ${id}`);
  if (key.revokedAt) return [];
  return [{ type: 'ApiKeyRevoked', data: { id, revokedBy: actor } }];
}

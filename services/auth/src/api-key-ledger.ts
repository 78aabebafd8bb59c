import type { AuthEventData, ApiKeySummary, RecordedEvent } from '@persona-gateway/contracts';

export interface ApiKeyState {
  readonly id: string;
  readonly persona: string;
  readonly name: string;
  readonly prefix: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  revokedAt?: string;
  revokedBy?: string;
  version: number;
}

/**
 * The auth service's read model of API keys, for the admin API: every key ever issued.
 * When each was last used is the `api_key_usage` projection's (from the router's call
 * events, so the hot path writes nothing per request for it): passed in to `summary`.
 */
export class ApiKeyLedger {
  readonly name = 'api-key-ledger';
  readonly handles = ['ApiKeyIssued', 'ApiKeyRevoked'];
  readonly keys = new Map<string, ApiKeyState>();

  apply(event: RecordedEvent): void {
    switch (event.type) {
      case 'ApiKeyIssued': {
        const d = event.data as AuthEventData<'ApiKeyIssued'>;
        this.keys.set(d.id, { id: d.id, persona: d.persona, name: d.name, prefix: d.prefix, createdAt: event.recordedAt, expiresAt: d.expiresAt, version: event.version });
        return;
      }
      case 'ApiKeyRevoked': {
        const key = this.keys.get((event.data as AuthEventData<'ApiKeyRevoked'>).id);
        if (!key) return;
        key.revokedAt = event.recordedAt;
        key.revokedBy = (event.data as AuthEventData<'ApiKeyRevoked'>).revokedBy;
        key.version = event.version;
        return;
      }
    }
  }

  summary(key: ApiKeyState, now: number, lastUsedAt: string | null): ApiKeySummary {
    const status = key.revokedAt ? 'revoked' : key.expiresAt !== null && now >= Date.parse(key.expiresAt) ? 'expired' : 'active';
    return {
      id: key.id,
      persona: key.persona,
      name: key.name,
      prefix: key.prefix,
      createdAt: key.createdAt,
      expiresAt: key.expiresAt,
      lastUsedAt,
      status,
      ...(key.revokedAt ? { revokedAt: key.revokedAt, revokedBy: key.revokedBy } : {}),
    };
  }
}

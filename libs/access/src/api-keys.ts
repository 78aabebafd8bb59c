import { timingSafeEqual } from 'node:crypto';
import { API_KEY_STREAM_PREFIX, type AuthEventData, type Principal, type RecordedEvent } from '@persona-gateway/contracts';
import type { MemoryProjection } from '@persona-gateway/eventstore';
import { hashApiKey, parseApiKey } from './api-key-format.js';
import { SYSTEM_CLOCK, type Clock } from './clock.js';

interface KeyEntry {
  readonly hash: Buffer;
  readonly persona: string;
  readonly name: string;
  readonly expiresAt: number | undefined;
  revoked: boolean;
}

/** Compared against when the id is unknown or malformed, so a miss costs what a hit costs. */
const DUMMY_HASH = Buffer.alloc(32);

export const apiKeyPrincipalId = (id: string): string => `apikey:${id}`;

export type ApiKeyVerdict = { ok: true; principal: Principal } | { ok: false; reason: 'unknown' | 'invalid' };

/**
 * The API keys in force, by id: what the edge checks on every request, in memory. Fed
 * ApiKeyIssued and ApiKeyRevoked; a revocation appended anywhere reaches every replica
 * through its EventFollower.
 */
export class ApiKeys implements MemoryProjection {
  readonly name = 'api-keys';
  readonly handles = ['ApiKeyIssued', 'ApiKeyRevoked'];
  private readonly keys = new Map<string, KeyEntry>();

  constructor(private readonly clock: Clock = SYSTEM_CLOCK) {}

  apply(event: RecordedEvent): void {
    if (!event.streamId.startsWith(API_KEY_STREAM_PREFIX)) return;
    if (event.type === 'ApiKeyIssued') {
      const d = event.data as AuthEventData<'ApiKeyIssued'>;
      this.keys.set(d.id, { hash: Buffer.from(d.hash, 'hex'), persona: d.persona, name: d.name, expiresAt: d.expiresAt === null ? undefined : Date.parse(d.expiresAt), revoked: false });
    } else if (event.type === 'ApiKeyRevoked') {
      const entry = this.keys.get((event.data as AuthEventData<'ApiKeyRevoked'>).id);
      if (entry) entry.revoked = true;
    }
  }

  /**
   * The principal of a key valid for `persona`. Every presented value is hashed and
   * compared in constant time against a stored (or dummy) hash, so timing tells nothing
   * about the secret, nor whether the id exists. `unknown` (no such id here yet) lets
   * the caller catch up once; everything else is `invalid`.
   */
  verify(key: string, persona: string): ApiKeyVerdict {
    const parsed = parseApiKey(key);
    const entry = parsed ? this.keys.get(parsed.id) : undefined;
    const presented = Buffer.from(hashApiKey(key), 'hex');
    const matches = timingSafeEqual(presented, entry?.hash ?? DUMMY_HASH) && entry !== undefined;
    if (!parsed) return { ok: false, reason: 'invalid' };
    if (!entry) return { ok: false, reason: 'unknown' };
    if (!matches || entry.revoked || entry.persona !== persona) return { ok: false, reason: 'invalid' };
    if (entry.expiresAt !== undefined && this.clock.now() >= entry.expiresAt) return { ok: false, reason: 'invalid' };
    return { ok: true, principal: { id: apiKeyPrincipalId(parsed.id), kind: 'api-key', label: entry.name } };
  }
}

import { z } from 'zod';
import { defineRequest } from './contract.js';
import { Actor, PersonaSlug } from './registry.js';

// ---------------------------------------------------------------------------
// API keys: events of the auth service's `apikey-<id>` streams. Never the secret.
// ---------------------------------------------------------------------------

export const API_KEY_STREAM_PREFIX = 'apikey-';

/** The public id inside a key (`pgw_<id>_<secret>`): 16 lower-case hex digits. */
export const ApiKeyId = z.string().regex(/^[0-9a-f]{16}$/, 'must be an API key id (16 hex digits)');
export type ApiKeyId = z.infer<typeof ApiKeyId>;

export const ApiKeyExpiry = z.enum(['never', '30d', '90d', '1y']);
export type ApiKeyExpiry = z.infer<typeof ApiKeyExpiry>;

export const ApiKeyName = z.string().trim().min(1).max(100);

export const AuthEvents = {
  ApiKeyIssued: z.object({
    id: ApiKeyId,
    persona: PersonaSlug,
    name: ApiKeyName,
    /** Public, shown in lists: `pgw_<id>`. */
    prefix: z.string(),
    /** SHA-256 of the whole key, hex. */
    hash: z.string().regex(/^[0-9a-f]{64}$/),
    expiresAt: z.iso.datetime({ offset: true }).nullable(),
  }),
  ApiKeyRevoked: z.object({ id: ApiKeyId, revokedBy: Actor }),
} as const;
export type AuthEventType = keyof typeof AuthEvents;
export type AuthEventData<T extends AuthEventType> = z.infer<(typeof AuthEvents)[T]>;
export const API_KEY_EVENT_TYPES = Object.keys(AuthEvents) as AuthEventType[];

export const ApiKeySummary = z.object({
  id: ApiKeyId,
  persona: PersonaSlug,
  name: z.string(),
  prefix: z.string(),
  createdAt: z.iso.datetime({ offset: true }),
  expiresAt: z.iso.datetime({ offset: true }).nullable(),
  /** From the call events of the key's principal; null until its first call. */
  lastUsedAt: z.iso.datetime({ offset: true }).nullable(),
  status: z.enum(['active', 'expired', 'revoked']),
  revokedAt: z.iso.datetime({ offset: true }).optional(),
  revokedBy: z.string().optional(),
});
export type ApiKeySummary = z.infer<typeof ApiKeySummary>;

const written = { position: z.number().int().nonnegative() };

/** Answered by the auth service (queue group `auth`). The response is the only place the key ever appears. */
export const CreateApiKeyV1 = defineRequest({
  subject: 'auth.apikeys.create.v1',
  request: z.object({ persona: PersonaSlug, name: ApiKeyName, expires: ApiKeyExpiry, actor: Actor }),
  response: z.object({ apiKey: ApiKeySummary, key: z.string(), ...written }),
});
export const ListApiKeysV1 = defineRequest({
  subject: 'auth.apikeys.list.v1',
  request: z.object({ persona: PersonaSlug.optional() }),
  response: z.object({ keys: z.array(ApiKeySummary) }),
});
export const RevokeApiKeyV1 = defineRequest({
  subject: 'auth.apikeys.revoke.v1',
  request: z.object({ id: ApiKeyId, actor: Actor }),
  response: z.object({ apiKey: ApiKeySummary, ...written }),
});

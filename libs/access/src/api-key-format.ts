import { createHash, randomBytes } from 'node:crypto';

/**
 * `pgw_<id>_<secret>`: a fixed product prefix secret scanners can match, a public id
 * (16 hex digits, looked up in O(1)) and 256 random bits (43 base64url characters).
 */
export const API_KEY_PREFIX = 'pgw_';
const FORMAT = /^pgw_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface GeneratedApiKey {
  readonly id: string;
  /** The whole key: shown once, never stored. */
  readonly key: string;
  readonly hash: string;
  readonly prefix: string;
}

export const hashApiKey = (key: string): string => createHash('sha256').update(key).digest('hex');

export function generateApiKey(): GeneratedApiKey {
  const id = randomBytes(8).toString('hex');
  const key = `${API_KEY_PREFIX}${id}_${randomBytes(32).toString('base64url')}`;
  return { id, key, hash: hashApiKey(key), prefix: apiKeyPrefix(id) };
}

export const apiKeyPrefix = (id: string): string => `${API_KEY_PREFIX}${id}`;

/** The id of a well-formed key, or undefined. */
export function parseApiKey(key: string): { id: string } | undefined {
  const match = FORMAT.exec(key);
  return match ? { id: match[1]! } : undefined;
}

import { createHash, randomBytes } from 'node:crypto';
import type { RecordedEvent } from '@persona-gateway/contracts';
import type { MemoryProjection, PostgresEventStore } from '@persona-gateway/eventstore';

export const ADMIN_TOKEN_STREAM = 'admin-tokens';
/** Recognisable by secret scanners; the rest is 256 random bits. */
export const ADMIN_TOKEN_PREFIX = 'pgw_admin_';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** Issues an admin token: only its hash and a short prefix are stored. The token is returned once. */
export async function issueAdminToken(store: PostgresEventStore, actor: string, options: { onlyIfNone?: boolean } = {}): Promise<string | undefined> {
  const token = `${ADMIN_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  try {
    await store.appendToStream(
      ADMIN_TOKEN_STREAM,
      [{ type: 'AdminTokenIssued', data: { hash: sha256(token), prefix: token.slice(0, ADMIN_TOKEN_PREFIX.length + 6) }, metadata: { actor } }],
      // "only if none" = only on an empty stream: two processes starting at once issue one token.
      { expectedVersion: options.onlyIfNone ? 'no_stream' : 'any' },
    );
  } catch (error) {
    if (options.onlyIfNone && (error as { code?: string }).code === 'CONFLICT') return undefined;
    throw error;
  }
  return token;
}

/**
 * The admin tokens in force, by hash. Verification hashes the presented token and looks
 * the hash up, so its timing says nothing about any stored secret.
 */
export class AdminTokens implements MemoryProjection {
  readonly name = 'admin-tokens';
  readonly handles = ['AdminTokenIssued', 'AdminTokenRevoked'];
  private readonly hashes = new Set<string>();

  apply(event: RecordedEvent): void {
    const { hash } = event.data as { hash: string };
    if (event.type === 'AdminTokenIssued') this.hashes.add(hash);
    else this.hashes.delete(hash);
  }

  verify(token: string | undefined): boolean {
    return token !== undefined && token.startsWith(ADMIN_TOKEN_PREFIX) && this.hashes.has(sha256(token));
  }
}

/** The bearer token of an Authorization header, or undefined. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

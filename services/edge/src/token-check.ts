import type { AdminTokens, ApiKeys } from '@persona-gateway/access';
import type { Principal } from '@persona-gateway/contracts';
import type { EventFollower } from '@persona-gateway/eventstore';

export const MIN_REFRESH_INTERVAL_MS = 1_000;

/**
 * Admin-token checks against the in-memory read model. A token issued a moment ago on
 * another process may not have reached this replica yet: on a miss, the read model is
 * caught up once (at most once a second, so invalid tokens cannot hammer the database)
 * and the token checked again.
 */
export class AdminTokenCheck {
  private lastRefresh = 0;

  constructor(
    private readonly tokens: AdminTokens,
    private readonly follower: EventFollower,
  ) {}

  async verify(token: string | undefined): Promise<boolean> {
    if (token === undefined) return false;
    if (this.tokens.verify(token)) return true;
    const now = Date.now();
    if (now - this.lastRefresh < MIN_REFRESH_INTERVAL_MS) return false;
    this.lastRefresh = now;
    await this.follower.refresh();
    return this.tokens.verify(token);
  }
}

/**
 * API-key checks against the in-memory ApiKeys projection, with the same catch-up: only
 * an id this replica has never seen triggers it (a revoked or expired key is known, and
 * refused without touching the database).
 */
export class ApiKeyCheck {
  private lastRefresh = 0;

  constructor(
    private readonly keys: ApiKeys,
    private readonly follower: EventFollower,
  ) {}

  async verify(key: string, persona: string): Promise<Principal | undefined> {
    const first = this.keys.verify(key, persona);
    if (first.ok) return first.principal;
    if (first.reason !== 'unknown') return undefined;
    const now = Date.now();
    if (now - this.lastRefresh < MIN_REFRESH_INTERVAL_MS) return undefined;
    this.lastRefresh = now;
    await this.follower.refresh();
    const second = this.keys.verify(key, persona);
    return second.ok ? second.principal : undefined;
  }
}

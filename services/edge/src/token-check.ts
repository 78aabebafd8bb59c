import type { AdminTokens } from '@persona-gateway/access';
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

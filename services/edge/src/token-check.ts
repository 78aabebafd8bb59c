import type { AdminTokens, ApiKeys } from '@persona-gateway/access';
import type { Principal } from '@persona-gateway/contracts';
import type { EventFollower } from '@persona-gateway/eventstore';

export const MIN_REFRESH_INTERVAL_MS = 1_000;

/**
 * A credential issued a moment ago on another process may not have reached this
 * replica's read model yet: on a miss, the read models are caught up once, at most once
 * a second, so invalid credentials cannot hammer the database.
 */
class CatchUpGate {
  private lastRefresh = 0;

  constructor(private readonly follower: EventFollower) {}

  /** Catches up and resolves true, or resolves false when the last catch-up was too recent. */
  async catchUp(): Promise<boolean> {
    const now = Date.now();
    if (now - this.lastRefresh < MIN_REFRESH_INTERVAL_MS) return false;
    this.lastRefresh = now;
    await this.follower.refresh();
    return true;
  }
}

/** Admin-token checks against the in-memory read model, caught up once on a miss. */
export class AdminTokenCheck {
  private readonly gate: CatchUpGate;

  constructor(
    private readonly tokens: AdminTokens,
    follower: EventFollower,
  ) {
    this.gate = new CatchUpGate(follower);
  }

  async verify(token: string | undefined): Promise<boolean> {
    if (token === undefined) return false;
    if (this.tokens.verify(token)) return true;
    return (await this.gate.catchUp()) && this.tokens.verify(token);
  }
}

/**
 * API-key checks against the in-memory ApiKeys projection, with the same catch-up: only
 * an id this replica has never seen triggers it (a revoked or expired key is known, and
 * refused without touching the database).
 */
export class ApiKeyCheck {
  private readonly gate: CatchUpGate;

  constructor(
    private readonly keys: ApiKeys,
    follower: EventFollower,
  ) {
    this.gate = new CatchUpGate(follower);
  }

  async verify(key: string, persona: string): Promise<Principal | undefined> {
    const first = this.keys.verify(key, persona);
    if (first.ok) return first.principal;
    if (first.reason !== 'unknown' || !(await this.gate.catchUp())) return undefined;
    const second = this.keys.verify(key, persona);
    return second.ok ? second.principal : undefined;
  }
}

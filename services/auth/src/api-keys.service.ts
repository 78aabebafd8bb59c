import { generateApiKey, SYSTEM_CLOCK, type Clock } from '@persona-gateway/access';
import type { Bus, Subscription } from '@persona-gateway/bus';
import { API_KEY_STREAM_PREFIX, CreateApiKeyV1, GetPersonaV1, GatewayError, ListApiKeysV1, RevokeApiKeyV1, type RequestOf } from '@persona-gateway/contracts';
import type { EventFollower, PostgresEventStore, Queryable } from '@persona-gateway/eventstore';
import { decideIssueApiKey, decideRevokeApiKey, type ApiKeyEvent } from './api-key-decisions.js';
import type { ApiKeyLedger, ApiKeyState } from './api-key-ledger.js';
import { lastUsedOf } from './api-key-usage.projection.js';

/**
 * API keys over the bus: decided against the ledger, appended to `apikey-<id>` with the
 * stream's expected version, answered once this process's read models include it.
 */
export class ApiKeysService {
  private readonly subscriptions: Subscription[] = [];

  constructor(
    private readonly store: PostgresEventStore,
    private readonly bus: Bus,
    private readonly follower: EventFollower,
    private readonly ledger: ApiKeyLedger,
    private readonly db: Queryable,
    private readonly clock: Clock = SYSTEM_CLOCK,
  ) {}

  async start(): Promise<void> {
    const queue = { queue: 'auth' };
    this.subscriptions.push(
      await this.bus.handle(CreateApiKeyV1, (r) => this.create(r), queue),
      await this.bus.handle(ListApiKeysV1, (r) => this.list(r.persona), queue),
      await this.bus.handle(RevokeApiKeyV1, (r) => this.revoke(r.id, r.actor), queue),
    );
  }

  async stop(): Promise<void> {
    await Promise.all(this.subscriptions.splice(0).map((s) => s.unsubscribe()));
  }

  async create(request: RequestOf<typeof CreateApiKeyV1>) {
    const persona = await this.bus.request(GetPersonaV1, { slug: request.persona }).catch((error: unknown) => {
      if (error instanceof GatewayError && error.code === 'NOT_FOUND') return undefined;
      throw error;
    });
    const generated = generateApiKey();
    const events = decideIssueApiKey(request, persona, generated, this.clock.now());
    const position = await this.append(generated.id, events, 'no_stream', request.actor);
    // A key just issued has not been used.
    return { apiKey: this.ledger.summary(this.ledger.keys.get(generated.id)!, this.clock.now(), null), key: generated.key, position };
  }

  async list(persona: string | undefined) {
    const keys = [...this.ledger.keys.values()].filter((key) => persona === undefined || key.persona === persona).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    return { keys: await this.summaries(keys) };
  }

  async revoke(id: string, actor: string) {
    await this.follower.refresh();
    const key = this.ledger.keys.get(id);
    const events = decideRevokeApiKey(id, key, actor);
    // A concurrent revoke makes the expected version fail: the key is revoked either way.
    const position = events.length > 0 ? await this.append(id, events, key!.version, actor).catch(() => this.follower.refresh().then(() => 0)) : 0;
    const [apiKey] = await this.summaries([this.ledger.keys.get(id)!]);
    return { apiKey: apiKey!, position };
  }

  private async summaries(keys: readonly ApiKeyState[]) {
    const now = this.clock.now();
    const lastUsed = await lastUsedOf(this.db, keys.map((key) => key.id));
    return keys.map((key) => this.ledger.summary(key, now, lastUsed.get(key.id) ?? null));
  }

  private async append(id: string, events: readonly ApiKeyEvent[], expectedVersion: number | 'no_stream', actor: string): Promise<number> {
    const result = await this.store.appendToStream(
      `${API_KEY_STREAM_PREFIX}${id}`,
      events.map((event) => ({ type: event.type, data: event.data, metadata: { actor } })),
      { expectedVersion },
    );
    await this.follower.waitFor(result.lastPosition);
    return result.lastPosition;
  }
}

import type { Bus, Subscription } from '@persona-gateway/bus';
import type { PersonaCatalog } from '@persona-gateway/catalog';
import {
  DeletePersonaV1,
  DeployPersonaV1,
  DownstreamListChangedV1,
  GATEWAY_STREAM_PREFIX,
  GatewayError,
  GatewayUnreachableV1,
  GetGatewayV1,
  GetPersonaV1,
  ListGatewaysV1,
  ListPersonasV1,
  PERSONA_STREAM_PREFIX,
  RefreshGatewayV1,
  RegisterGatewayV1,
  RemoveGatewayV1,
  SavePersonaV1,
  SessionDiscoverV1,
  sameContent,
  type GatewayTransport,
  type RegistryEventData,
} from '@persona-gateway/contracts';
import { ExpectedVersionConflictError, type EventFollower, type PostgresEventStore, WorkerLoop } from '@persona-gateway/eventstore';
import { gatewaySecretContext, type SecretBox } from '@persona-gateway/secrets';
import { decideDiscovery, decideRegister, type Discovery } from './gateway-decisions.js';
import { KeyedMutex } from './keyed-mutex.js';
import { decideSavePersona } from './persona-decisions.js';
import { passthroughWarnings } from './passthrough-checks.js';
import type { NewEventOf } from './types.js';
import { gatewayDetails, gatewaySummary } from './views.js';

export const DEFAULT_POLL_MS = 60_000;
export const DEFAULT_UNAVAILABLE_POLL_MS = 5_000;
export const DEFAULT_DISCOVER_TIMEOUT_MS = 10_000;

export interface RegistryOptions {
  readonly pollMs?: number;
  readonly unavailablePollMs?: number;
  readonly discoverTimeoutMs?: number;
  readonly log?: (message: string) => void;
}

/**
 * Gateways and personas: every change is decided against the current read model,
 * appended with the stream's expected version (a concurrent writer makes us decide
 * again), and answered once this process's read models include it.
 */
export class RegistryService {
  private readonly subscriptions: Subscription[] = [];
  private readonly mutex = new KeyedMutex();
  private readonly poll: WorkerLoop;
  private lastFullPoll = 0;

  constructor(
    private readonly store: PostgresEventStore,
    private readonly bus: Bus,
    private readonly follower: EventFollower,
    private readonly catalog: PersonaCatalog,
    private readonly secrets: SecretBox,
    private readonly options: RegistryOptions = {},
  ) {
    this.poll = new WorkerLoop(() => this.pollGateways(), options.unavailablePollMs ?? DEFAULT_UNAVAILABLE_POLL_MS, (error) => this.log(`gateway poll: ${String(error)}`));
  }

  private get state() {
    return this.catalog.state;
  }

  async start(): Promise<void> {
    const queue = { queue: 'registry' };
    const handle = async <T>(promise: Promise<T>) => this.subscriptions.push((await promise) as Subscription);
    await handle(this.bus.handle(RegisterGatewayV1, (r) => this.registerGateway(r.name, r.description, r.transport, r.actor), queue));
    await handle(this.bus.handle(ListGatewaysV1, () => ({ gateways: [...this.state.gateways.values()].map(gatewaySummary) }), queue));
    await handle(this.bus.handle(GetGatewayV1, (r) => gatewayDetails(this.requireGateway(r.name)), queue));
    await handle(this.bus.handle(RefreshGatewayV1, (r) => this.refreshGateway(r.name, 'refresh', r.actor), queue));
    await handle(this.bus.handle(RemoveGatewayV1, (r) => this.removeGateway(r.name, r.actor), queue));
    await handle(this.bus.handle(SavePersonaV1, (r) => this.savePersona(r), queue));
    await handle(this.bus.handle(ListPersonasV1, () => ({ personas: [...this.state.personas.keys()].sort().map((slug) => this.catalog.details(slug)!) }), queue));
    await handle(this.bus.handle(GetPersonaV1, (r) => this.requirePersona(r.slug), queue));
    await handle(this.bus.handle(DeployPersonaV1, (r) => this.deployPersona(r.slug, r.actor), queue));
    await handle(this.bus.handle(DeletePersonaV1, (r) => this.deletePersona(r.slug, r.actor), queue));
    // Downstream signals: every registry replica hears them; the per-gateway mutex and
    // expected versions keep concurrent refreshes from writing twice.
    await handle(this.bus.subscribe(DownstreamListChangedV1, (e) => void this.refreshGateway(e.gateway, 'list-changed', 'system').catch(() => undefined), queue));
    await handle(this.bus.subscribe(GatewayUnreachableV1, (e) => void this.refreshGateway(e.gateway, 'poll', 'system').catch(() => undefined), queue));
  }

  /** Polling starts once every service of the process is up (the session service answers discovery). */
  startPolling(): void {
    this.poll.start();
  }

  async stop(): Promise<void> {
    // A poll stuck on an unreachable downstream ends by its own timeout; shutdown does not wait for it.
    await Promise.race([this.poll.stop(), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
    await Promise.all(this.subscriptions.splice(0).map((s) => s.unsubscribe()));
  }

  async registerGateway(name: string, description: string | undefined, transport: GatewayTransport, actor: string) {
    return this.mutex.run(`gateway:${name}`, () =>
      this.retryOnConflict(async () => {
        const current = this.state.gateways.get(name);
        const registration = decideRegister(current, { name, description, transport }, current !== undefined && this.sameTransport(name, current.transport, transport));
        let position = 0;
        if (registration.length > 0 || !current) {
          const discovery = await this.discover(name, transport);
          const events = [...registration, ...decideDiscovery(registration.length > 0 && current ? { ...current, status: 'unknown' as const } : current, discovery, 'registration')];
          position = await this.append(`${GATEWAY_STREAM_PREFIX}${name}`, events, current?.version ?? 'no_stream', actor);
        }
        return { gateway: gatewayDetails(this.requireGateway(name)), changed: position > 0, position };
      }),
    );
  }

  async refreshGateway(name: string, reason: RegistryEventData<'GatewayCatalogChanged'>['reason'], actor: string) {
    return this.mutex.run(`gateway:${name}`, () =>
      this.retryOnConflict(async () => {
        const current = this.requireGateway(name);
        const events = decideDiscovery(current, await this.discover(name, current.transport), reason);
        const position = events.length > 0 ? await this.append(`${GATEWAY_STREAM_PREFIX}${name}`, events, current.version, actor) : 0;
        return { gateway: gatewayDetails(this.requireGateway(name)), position };
      }),
    );
  }

  async removeGateway(name: string, actor: string) {
    return this.mutex.run(`gateway:${name}`, async () => {
      const current = this.requireGateway(name);
      const users = [...this.state.personas.values()].filter((p) => p.selected.some((ref) => ref.gateway === name)).map((p) => p.slug);
      if (users.length > 0) throw new GatewayError('INVALID_ARGUMENT', `Gateway ${name} is used by personas: ${users.join(', ')}; remove its tools from them first`);
      return { position: await this.append(`${GATEWAY_STREAM_PREFIX}${name}`, [{ type: 'GatewayRemoved', data: {} }], current.version, actor) };
    });
  }

  async savePersona(request: Parameters<typeof decideSavePersona>[0] & { actor: string }) {
    return this.mutex.run(`persona:${request.slug}`, () =>
      this.retryOnConflict(async () => {
        const current = this.state.personas.get(request.slug);
        const events = decideSavePersona(request, current, this.state.gateways);
        const position = events.length > 0 ? await this.append(`${PERSONA_STREAM_PREFIX}${request.slug}`, events, current?.version ?? 'no_stream', request.actor) : 0;
        const warnings = passthroughWarnings(request.auth, request.tools, this.state.gateways);
        return { persona: this.requirePersona(request.slug), changed: events.length > 0, position, ...(warnings.length > 0 ? { warnings } : {}) };
      }),
    );
  }

  async deployPersona(slug: string, actor: string) {
    return this.mutex.run(`persona:${slug}`, async () => {
      const current = this.state.personas.get(slug);
      if (!current) throw new GatewayError('NOT_FOUND', `Unknown persona: ${slug}`);
      const position = current.deployed ? 0 : await this.append(`${PERSONA_STREAM_PREFIX}${slug}`, [{ type: 'PersonaDeployed', data: {} }], current.version, actor);
      return { persona: this.requirePersona(slug), position };
    });
  }

  async deletePersona(slug: string, actor: string) {
    return this.mutex.run(`persona:${slug}`, async () => {
      const current = this.state.personas.get(slug);
      if (!current) throw new GatewayError('NOT_FOUND', `Unknown persona: ${slug}`);
      return { position: await this.append(`${PERSONA_STREAM_PREFIX}${slug}`, [{ type: 'PersonaDeleted', data: {} }], current.version, actor) };
    });
  }

  private async discover(name: string, transport: GatewayTransport): Promise<Discovery> {
    try {
      const catalog = await this.bus.request(SessionDiscoverV1, { gateway: name, connection: transport, timeoutMs: this.options.discoverTimeoutMs ?? DEFAULT_DISCOVER_TIMEOUT_MS }, {
        timeoutMs: (this.options.discoverTimeoutMs ?? DEFAULT_DISCOVER_TIMEOUT_MS) + 5_000,
      });
      return { ok: true, catalog };
    } catch (error) {
      // No session service answering says nothing about the downstream: decide nothing.
      if (error instanceof GatewayError && (error.code === 'NO_RESPONDERS' || error.code === 'TIMEOUT')) return { ok: 'unknown' };
      return { ok: false, reason: error instanceof GatewayError ? error.message : 'discovery failed' };
    }
  }

  /** Polls unavailable gateways often (to notice recovery) and all of them now and then. */
  private async pollGateways(): Promise<void> {
    const full = Date.now() - this.lastFullPoll >= (this.options.pollMs ?? DEFAULT_POLL_MS);
    if (full) this.lastFullPoll = Date.now();
    for (const gateway of [...this.state.gateways.values()]) {
      if (full || gateway.status !== 'available') await this.refreshGateway(gateway.name, 'poll', 'system').catch((e: unknown) => this.log(`refresh ${gateway.name}: ${String(e)}`));
    }
  }

  private async append(stream: string, events: readonly NewEventOf[], expectedVersion: number | 'no_stream', actor: string): Promise<number> {
    const result = await this.store.appendToStream(
      stream,
      events.map((event) => ({ type: event.type, data: event.data, metadata: { actor } })),
      { expectedVersion },
    );
    await this.follower.waitFor(result.lastPosition);
    return result.lastPosition;
  }

  private async retryOnConflict<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (!(error instanceof ExpectedVersionConflictError) || attempt >= 3) throw error;
        await this.follower.refresh();
      }
    }
  }

  private sameTransport(name: string, a: GatewayTransport, b: GatewayTransport): boolean {
    const open = (t: GatewayTransport) => {
      const context = gatewaySecretContext(name);
      const secrets = t.type === 'stdio' ? t.env : t.headers;
      try {
        return { ...t, [t.type === 'stdio' ? 'env' : 'headers']: this.secrets.openAll(secrets, context) };
      } catch {
        return t;
      }
    };
    return sameContent(open(a), open(b));
  }

  private requireGateway(name: string) {
    const gateway = this.state.gateways.get(name);
    if (!gateway) throw new GatewayError('NOT_FOUND', `Unknown gateway: ${name}`);
    return gateway;
  }

  private requirePersona(slug: string) {
    const details = this.catalog.details(slug);
    if (!details) throw new GatewayError('NOT_FOUND', `Unknown persona: ${slug}`);
    return details;
  }

  private log(message: string): void {
    this.options.log?.(message);
  }
}

import type { Bus, Subscription } from '@persona-gateway/bus';
import type { PersonaCatalog } from '@persona-gateway/catalog';
import {
  GatewayError,
  GatewayUnreachableV1,
  RouterCallV1,
  RouterRequestV1,
  SessionCallV1,
  SessionRequestV1,
  type CallToolResult,
  type RequestOf,
} from '@persona-gateway/contracts';
import type { CallRecorder } from './call-recorder.js';
import { isoTime } from './call-events.js';

/** Head-room over the session service's own downstream timeout, so its error wins. */
const BUS_MARGIN_MS = 5_000;
/** At shutdown, how long calls in flight may take to finish and be recorded before the journal closes. */
const DRAIN_MS = 3_000;

/**
 * Stateless routing: prefixed name -> gateway and downstream tool, from the in-memory
 * persona catalog; forward to the session service; record the outcome before replying.
 * A tool the persona did not select does not exist for its callers: "Unknown tool".
 */
export class RouterService {
  private readonly subscriptions: Subscription[] = [];
  private inFlight = 0;
  private drained: (() => void) | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly catalog: PersonaCatalog,
    private readonly recorder: CallRecorder,
    private readonly callTimeoutMs: number,
  ) {}

  async start(): Promise<void> {
    this.subscriptions.push(await this.bus.handle(RouterCallV1, (request) => this.call(request), { queue: 'router' }));
    this.subscriptions.push(await this.bus.handle(RouterRequestV1, (request) => this.request(request), { queue: 'router' }));
  }

  /** Stops taking calls, then waits (a while) for those in flight, so they are answered and recorded. */
  async stop(): Promise<void> {
    await Promise.all(this.subscriptions.splice(0).map((s) => s.unsubscribe()));
    if (this.inFlight === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.drained = resolve;
      timer = setTimeout(resolve, DRAIN_MS);
    });
    clearTimeout(timer);
  }

  async call(request: RequestOf<typeof RouterCallV1>): Promise<CallToolResult> {
    this.inFlight++;
    try {
      return await this.handleCall(request);
    } finally {
      if (--this.inFlight === 0) this.drained?.();
    }
  }

  private async handleCall(request: RequestOf<typeof RouterCallV1>): Promise<CallToolResult> {
    const started = performance.now();
    const startedAt = isoTime(Date.now());
    const route = this.catalog.route(request.persona, request.name);
    // A passthrough caller's label is its JWT subject or "anonymous passthrough": on record, never a secret.
    const principal = request.principal.kind === 'passthrough' && request.principal.label ? { id: request.principal.id, kind: request.principal.kind, label: request.principal.label } : { id: request.principal.id, kind: request.principal.kind };
    const base = { persona: request.persona, tool: request.name, principal, callId: request.callId, startedAt };
    if (!route) {
      await this.recorder.record({ ...base, durationMs: 0, outcome: 'UNKNOWN_TOOL' });
      throw new GatewayError('UNKNOWN_TOOL', `Unknown tool: ${request.name}`);
    }
    let outcome = 'ok';
    try {
      const result = await this.bus.request(
        SessionCallV1,
        {
          key: { persona: request.persona, gateway: route.gateway, principal: request.principal.id },
          connection: route.transport,
          tool: route.tool,
          arguments: request.arguments,
          callId: request.callId,
          progressToken: request.progressToken,
          notify: request.notify,
          clientCapabilities: request.clientCapabilities,
          timeoutMs: this.callTimeoutMs,
          // Sealed by the edge for this persona and principal; opened only by the session service.
          ...(request.forward !== undefined ? { forward: request.forward } : {}),
        },
        { timeoutMs: this.callTimeoutMs + BUS_MARGIN_MS },
      );
      if (result.isError) outcome = 'tool-error';
      return result;
    } catch (error) {
      outcome = error instanceof GatewayError ? error.code : 'INTERNAL';
      if (outcome === 'UNAVAILABLE') void this.bus.publish(GatewayUnreachableV1, { gateway: route.gateway }).catch(() => undefined);
      throw error;
    } finally {
      // An answered call is on record first (in the journal, see CallRecorder): if recording fails, the caller gets that error.
      await this.recorder.record({ ...base, gateway: route.gateway, downstreamTool: route.tool, durationMs: Math.round((performance.now() - started) * 1000) / 1000, outcome });
    }
  }

  async request(request: RequestOf<typeof RouterRequestV1>) {
    const { gateway, params } = this.resolve(request);
    const connection = this.catalog.transportOf(gateway);
    if (!connection) throw new GatewayError('UNAVAILABLE', `Downstream gateway endpoint not available: ${gateway}`);
    return this.bus.request(
      SessionRequestV1,
      { key: { persona: request.persona, gateway, principal: request.principal.id }, connection, method: request.method, params, ...(request.forward !== undefined ? { forward: request.forward } : {}) },
      { timeoutMs: this.callTimeoutMs + BUS_MARGIN_MS },
    );
  }

  /** Maps a persona-level resource URI or prompt name back to its gateway's own. */
  private resolve(request: RequestOf<typeof RouterRequestV1>): { gateway: string; params: Record<string, unknown> } {
    const { persona, params } = request;
    const byUri = (uri: unknown) => {
      const gateway = typeof uri === 'string' ? this.catalog.resourceGateway(persona, uri) : undefined;
      if (!gateway) throw new GatewayError('NOT_FOUND', `Unknown resource: ${String(uri)}`);
      return gateway;
    };
    const byPrompt = (name: unknown) => {
      const route = typeof name === 'string' ? this.catalog.promptRoute(persona, name) : undefined;
      if (!route) throw new GatewayError('NOT_FOUND', `Unknown prompt: ${String(name)}`);
      return route;
    };
    switch (request.method) {
      case 'resources/read':
      case 'resources/subscribe':
      case 'resources/unsubscribe':
        return { gateway: byUri(params.uri), params };
      case 'prompts/get': {
        const route = byPrompt(params.name);
        return { gateway: route.gateway, params: { ...params, name: route.prompt } };
      }
      case 'completion/complete': {
        const ref = (params.ref ?? {}) as { type?: string; name?: string; uri?: string };
        if (ref.type === 'ref/prompt') {
          const route = byPrompt(ref.name);
          return { gateway: route.gateway, params: { ...params, ref: { ...ref, name: route.prompt } } };
        }
        return { gateway: byUri(ref.uri), params };
      }
    }
  }
}

import type { PersonaDirectory } from '@persona-gateway/catalog';
import type { SecretBox } from '@persona-gateway/secrets';
import { Admission } from './admission.js';
import type { ClientRequestedV1, CallNotifiedV1, PayloadOf, ResourceUpdatedV1 } from '@persona-gateway/contracts';
import type { McpBackend, McpLog, SessionTerminated } from './backend.js';
import { corsHeaders, preflightHeaders } from './cors.js';
import { DeleteHandler } from './delete-handler.js';
import { describeError, HttpRefusal, refuse, shuttingDown } from './errors.js';
import { GetHandler } from './get-handler.js';
import { emptyReply, header, jsonReply, type McpHttpReply, type McpHttpRequest } from './http-exchange.js';
import { InFlightCalls } from './in-flight-calls.js';
import { ClientLogLevels } from './client-log-levels.js';
import { errorMessage, notificationMessage, requestMessage } from './json-rpc.js';
import { ListChangeWatcher } from './list-changed.js';
import { MethodDispatcher } from './methods.js';
import { OriginPolicy } from './origin-policy.js';
import { PostHandler } from './post-handler.js';
import { ResourceSubscriptions } from './resource-subscriptions.js';
import { ServerRequestIds } from './server-request-ids.js';
import { SessionGate } from './session-gate.js';
import { SessionTokens } from './session-token.js';
import { DEFAULT_STREAM_LIMITS, StreamRegistry } from './stream-registry.js';
import type { StreamLimits } from './outbound-stream.js';
import { TerminatedSessions } from './terminated-sessions.js';
import type { McpAuthenticator } from './tokens.js';

export const DEFAULT_KEEPALIVE_MS = 25_000;
/** The router waits up to the downstream timeout; the hops around it get this much more. */
export const ROUTER_HEADROOM_MS = 5_000;

export interface McpEndpointOptions {
  readonly directory: PersonaDirectory;
  readonly authenticator: McpAuthenticator;
  readonly backend: McpBackend;
  readonly secrets: SecretBox;
  readonly publicUrl: string;
  readonly allowedOrigins: readonly string[];
  readonly downstreamCallTimeoutMs: number;
  /** This replica: progress for its streams is addressed to it. */
  readonly instanceId: string;
  readonly serverVersion: string;
  readonly log: McpLog;
  readonly keepAliveMs?: number;
  readonly streamLimits?: StreamLimits;
  readonly sessionMaxAgeMs?: number;
}

export interface ProgressEvent {
  readonly edgeInstance: string;
  readonly stream: string;
  readonly progressToken: string | number;
  readonly progress: number;
  readonly total?: number;
  readonly message?: string;
}

/**
 * The persona MCP endpoint (Streamable HTTP, 2025-11-25 and the revisions before it),
 * free of Nest and of the bus: the module feeds it HTTP requests and bus events.
 */
export class McpEndpoint {
  private readonly origins: OriginPolicy;
  private readonly admission: Admission;
  private readonly sessions: SessionGate;
  private readonly streams: StreamRegistry;
  private readonly inFlight = new InFlightCalls();
  private readonly logLevels = new ClientLogLevels();
  private readonly subscriptions = new ResourceSubscriptions();
  private readonly serverRequestIds: ServerRequestIds;
  private readonly watcher: ListChangeWatcher;
  private readonly post: PostHandler;
  private readonly get: GetHandler;
  private readonly delete: DeleteHandler;
  private readonly stops: Array<() => void> = [];

  constructor(private readonly options: McpEndpointOptions) {
    const tokens = new SessionTokens(options.secrets, options.sessionMaxAgeMs);
    this.origins = new OriginPolicy(options.publicUrl, options.allowedOrigins);
    this.admission = new Admission(options.directory, options.authenticator);
    this.sessions = new SessionGate(tokens, new TerminatedSessions());
    this.streams = new StreamRegistry(options.streamLimits ?? DEFAULT_STREAM_LIMITS);
    this.watcher = new ListChangeWatcher(options.directory, this.streams);
    const dispatcher = new MethodDispatcher(options.backend, options.downstreamCallTimeoutMs + ROUTER_HEADROOM_MS);
    this.serverRequestIds = new ServerRequestIds(options.secrets);
    this.post = new PostHandler({
      ...options,
      sessions: this.sessions,
      tokens,
      dispatcher,
      inFlight: this.inFlight,
      streams: this.streams,
      logLevels: this.logLevels,
      subscriptions: this.subscriptions,
      serverRequestIds: this.serverRequestIds,
    });
    this.get = new GetHandler(this.sessions, this.streams, this.watcher);
    this.delete = new DeleteHandler(this.sessions, tokens, options.backend, (event) => this.sessionTerminated(event));
  }

  start(): void {
    if (!this.options.secrets.available) this.options.log.warn('ENCRYPTION_KEY is not set: persona MCP endpoints cannot issue sessions');
    this.stops.push(this.watcher.start());
    const keepAlive = setInterval(() => this.streams.keepAlive(), this.options.keepAliveMs ?? DEFAULT_KEEPALIVE_MS);
    const sweep = setInterval(() => this.streams.sweep(), Math.min(30_000, (this.options.streamLimits ?? DEFAULT_STREAM_LIMITS).maxAgeMs));
    keepAlive.unref();
    sweep.unref();
    this.stops.push(() => clearInterval(keepAlive), () => clearInterval(sweep));
  }

  /** Ends every stream and pending call, so the HTTP server can close without waiting on them. */
  stop(): void {
    for (const stop of this.stops.splice(0)) stop();
    this.inFlight.abortAll(shuttingDown());
    this.streams.closeAll();
  }

  async handle(request: McpHttpRequest): Promise<McpHttpReply> {
    const origin = header(request.headers, 'origin');
    if (!this.origins.allows(origin)) return this.refusal(refuse.badOrigin(), {});
    const cors = corsHeaders(origin);
    try {
      return withHeaders(await this.route(request, origin), cors);
    } catch (error) {
      return this.refusal(error, cors);
    }
  }

  /** A failure before the handler ran (body too large, unreadable); the origin still decides CORS. */
  answerTransportError(error: HttpRefusal, request: Pick<McpHttpRequest, 'headers'>): McpHttpReply {
    const origin = header(request.headers, 'origin');
    return this.refusal(error, this.origins.allows(origin) ? corsHeaders(origin) : {});
  }

  /** A downstream progress notification, for one of this replica's request streams. */
  progress(event: ProgressEvent): void {
    if (event.edgeInstance !== this.options.instanceId) return;
    const stream = this.streams.get(event.stream);
    // Only the request's own token: anything else is not this stream's to carry.
    if (!stream || stream.kind !== 'request' || stream.finished || stream.progressToken !== event.progressToken) return;
    const { progressToken, progress, total, message } = event;
    stream.send(notificationMessage('notifications/progress', { progressToken, progress, ...(total === undefined ? {} : { total }), ...(message === undefined ? {} : { message }) }));
  }

  /** A downstream log message for one of this replica's request streams, if the client's level lets it through. */
  callNotification(event: PayloadOf<typeof CallNotifiedV1>): void {
    const stream = this.requestStream(event);
    if (!stream || !this.logLevels.passes(stream.owner.session, event.params.level)) return;
    stream.send(notificationMessage(event.method, event.params));
  }

  /**
   * A downstream's sampling or elicitation request, put to the client on the call's stream
   * under an id that routes the answer back (see ServerRequestIds). With the stream gone, the
   * downstream is told at once rather than left to its timeout.
   */
  clientRequest(event: PayloadOf<typeof ClientRequestedV1>): void {
    if (event.edgeInstance !== this.options.instanceId) return;
    const stream = this.requestStream(event);
    if (!stream) {
      const error = { code: -32603, message: 'The client is no longer reachable' };
      void this.options.backend
        .clientResponded({ sessionInstance: event.sessionInstance, requestKey: event.requestKey, error })
        .catch((failure: unknown) => this.options.log.warn(`could not refuse a server request: ${describeError(failure)}`));
      return;
    }
    const id = this.serverRequestIds.issue({ sessionInstance: event.sessionInstance, requestKey: event.requestKey, session: stream.owner.session });
    stream.send(requestMessage(id, event.method, event.params));
  }

  /** A subscribed resource changed: every session here that subscribed to it hears it on its GET stream. */
  resourceUpdated(event: PayloadOf<typeof ResourceUpdatedV1>): void {
    const json = notificationMessage('notifications/resources/updated', { uri: event.uri });
    for (const session of this.subscriptions.subscribers(event.persona, event.principal, event.uri)) this.streams.notifySession(session, json);
  }

  /** A session ended (here or on another replica): refuse its id from now on and close its streams. */
  sessionTerminated(event: SessionTerminated): void {
    this.sessions.terminate(event.session, event.expiresAt);
    this.streams.closeSession(event.session);
    this.logLevels.forget(event.session);
    this.subscriptions.forget(event.session);
  }

  /** A live request stream of this replica, for an event addressed to it. */
  private requestStream(event: { readonly edgeInstance: string; readonly stream: string }) {
    if (event.edgeInstance !== this.options.instanceId) return undefined;
    const stream = this.streams.get(event.stream);
    return stream && stream.kind === 'request' && !stream.finished ? stream : undefined;
  }

  private async route(request: McpHttpRequest, origin: string | undefined): Promise<McpHttpReply> {
    switch (request.method) {
      case 'OPTIONS':
        return emptyReply(204, preflightHeaders(origin));
      case 'POST':
        return this.post.handle(request, await this.admission.admit(request));
      case 'GET':
        return this.get.handle(request, await this.admission.admit(request));
      case 'DELETE':
        return this.delete.handle(request, await this.admission.admit(request));
      default:
        throw refuse.methodNotAllowed();
    }
  }

  private refusal(error: unknown, headers: Record<string, string>): McpHttpReply {
    let refusal: HttpRefusal;
    if (error instanceof HttpRefusal) {
      refusal = error;
    } else {
      this.options.log.error(`MCP endpoint failed unexpectedly: ${describeError(error)}`);
      refusal = refuse.internal();
    }
    return jsonReply(refusal.status, errorMessage(null, refusal.code, refusal.message), { ...refusal.headers, ...headers });
  }
}

function withHeaders(reply: McpHttpReply, headers: Record<string, string>): McpHttpReply {
  return Object.keys(headers).length === 0 ? reply : { ...reply, headers: { ...reply.headers, ...headers } };
}

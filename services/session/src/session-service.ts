import { GatewayError } from '@persona-gateway/contracts';
import type {
  CallNotifiedV1,
  Catalog,
  CallToolResult,
  ClientRequestedV1,
  ClientRespondedV1,
  GatewayTransport,
  McpResult,
  NotifyTarget,
  PayloadOf,
  ProgressNotifiedV1,
  RequestOf,
  ResourceUpdatedV1,
  ResponseOf,
  SessionCallV1,
  SessionDiscoverV1,
  SessionKey,
  SessionListV1,
  SessionRequestV1,
} from '@persona-gateway/contracts';
import { passthroughSecretContext, SecretError, type SecretBox } from '@persona-gateway/secrets';
import { describeFailure, isBrokenSession, isSessionGone, toGatewayError } from './call-errors.js';
import { PendingClientRequests } from './client-requests.js';
import { forwardServerRequest } from './server-requests.js';
import { discoverCatalog } from './discovery.js';
import { DownstreamConnection, type ConnectDeps, type ListKind, type SessionLogger } from './downstream-connection.js';
import { callTool, passThrough } from './downstream-requests.js';
import { InFlightCalls, type Cancellation } from './in-flight.js';
import { parseSessionOptions, type SessionOptions, type SessionOptionsInput } from './options.js';
import { SessionTable } from './session-table.js';

/** What the service tells the rest of the gateway; the bus adapter publishes it. */
export interface SessionEvents {
  progress(notice: PayloadOf<typeof ProgressNotifiedV1>): void | Promise<void>;
  listChanged(gateway: string, what: ListKind): void | Promise<void>;
  /** A downstream's sampling or elicitation request, for the caller of the call it belongs to. */
  clientRequest?(request: PayloadOf<typeof ClientRequestedV1>): void | Promise<void>;
  /** A downstream's log message, for the stream of the call it belongs to. */
  callNotification?(notice: PayloadOf<typeof CallNotifiedV1>): void | Promise<void>;
  resourceUpdated?(notice: PayloadOf<typeof ResourceUpdatedV1>): void | Promise<void>;
}

export interface SessionServiceDeps {
  readonly secrets: SecretBox;
  readonly instance: { readonly id: string; readonly version: string };
  readonly events: SessionEvents;
  readonly logger?: SessionLogger;
  readonly options?: SessionOptionsInput;
}

/**
 * Owns this replica's live downstream MCP sessions and runs calls through them. Knows
 * nothing of Nest or the bus: requests come in as contract data, events go out through
 * `SessionEvents`, failures leave as GatewayError with a stable code.
 */
export class SessionService {
  readonly options: SessionOptions;
  private readonly table: SessionTable;
  private readonly calls = new InFlightCalls();
  private readonly clientRequests = new PendingClientRequests();
  private readonly connectDeps: ConnectDeps;
  private readonly cleanups = new Set<Promise<void>>();

  constructor(private readonly deps: SessionServiceDeps) {
    this.options = parseSessionOptions(deps.options);
    const logger = deps.logger ?? { warn: () => undefined };
    this.connectDeps = {
      secrets: deps.secrets,
      clientVersion: deps.instance.version,
      connectTimeoutMs: this.options.connectTimeoutMs,
      processGraceMs: this.options.processGraceMs,
      logger,
      track: (cleanup) => {
        this.cleanups.add(cleanup);
        void cleanup.finally(() => this.cleanups.delete(cleanup));
      },
    };
    this.table = new SessionTable(
      (key, connection, onLost, forwarded) =>
        DownstreamConnection.open(
          key.gateway,
          connection,
          this.connectDeps,
          {
          onLost,
          onListChanged: (what) => this.emit(() => deps.events.listChanged(key.gateway, what)),
          onServerRequest: (target, method, params, extra) =>
            forwardServerRequest(target, method, params, extra, {
              instanceId: deps.instance.id,
              timeoutMs: this.options.callTimeoutMs,
              pending: this.clientRequests,
              publish: (request) => deps.events.clientRequest?.(request),
            }),
          onLogMessage: (target, params) => {
            const notify = target?.notify;
            if (notify) this.emit(() => deps.events.callNotification?.({ ...notify, method: 'notifications/message', params }));
          },
          onResourceUpdated: (uri) => this.emit(() => deps.events.resourceUpdated?.({ ...key, uri })),
          },
          forwarded,
        ),
      this.options.idleTtlMs,
    );
  }

  call(request: RequestOf<typeof SessionCallV1>): Promise<CallToolResult> {
    return this.calls.run(request.callId, (cancellation) =>
      this.withSession(request.key, request.connection, request.forward, cancellation, async (connection) => {
        const target = { callId: request.callId, notify: request.notify, clientCapabilities: request.clientCapabilities, cancellation };
        const leave = connection.calls.enter(target);
        try {
          return await callTool(connection, request, {
            cancellation,
            target,
            idleTimeoutMs: this.options.callTimeoutMs,
            totalTimeoutMs: request.timeoutMs,
            onProgress: request.progressToken !== undefined && request.notify ? this.forwardProgress(request.notify, request.progressToken) : undefined,
          });
        } finally {
          leave();
        }
      }),
    );
  }

  request(request: RequestOf<typeof SessionRequestV1>): Promise<McpResult> {
    return this.withSession(request.key, request.connection, request.forward, undefined, (connection) => passThrough(connection, request, this.options.callTimeoutMs));
  }

  /** A throwaway session outside the table: discovery must not count as, or reuse, a caller's session. */
  async discover(request: RequestOf<typeof SessionDiscoverV1>): Promise<Catalog> {
    const timeoutMs = request.timeoutMs ?? this.options.discoveryTimeoutMs;
    const signal = AbortSignal.timeout(timeoutMs);
    const connectTimeoutMs = Math.min(this.options.connectTimeoutMs, timeoutMs);
    const connection = await DownstreamConnection.open(request.gateway, request.connection, { ...this.connectDeps, connectTimeoutMs });
    try {
      return await discoverCatalog(connection.client, signal, timeoutMs);
    } catch (error) {
      if (signal.aborted) throw new GatewayError('TIMEOUT', `Discovery of ${request.gateway} did not finish within ${timeoutMs} ms`, { cause: error });
      throw toGatewayError(error, { gateway: request.gateway, connection });
    } finally {
      await connection.close();
    }
  }

  list(): ResponseOf<typeof SessionListV1> {
    return {
      instanceId: this.deps.instance.id,
      openedTotal: this.table.openedTotal,
      sessions: this.table.sessions().map((session) => ({
        key: session.key,
        openedAt: session.openedAt.toISOString(),
        lastUsedAt: session.lastUsedAt.toISOString(),
        ...(session.downstreamSessionId ? { downstreamSessionId: session.downstreamSessionId } : {}),
      })),
    };
  }

  /** Aborts the call if this replica runs it: notifications/cancelled goes downstream. */
  cancel(callId: string, reason?: string): boolean {
    return this.calls.cancel(callId, reason);
  }

  /** A caller answered a forwarded sampling or elicitation request; false if this replica does not wait for it. */
  clientResponded(answer: PayloadOf<typeof ClientRespondedV1>): boolean {
    if (answer.sessionInstance !== this.deps.instance.id) return false;
    return this.clientRequests.settle(answer.requestKey, { result: answer.result, error: answer.error });
  }

  /** Ends every session and reaps every stdio process; calls still running fail. */
  async close(): Promise<void> {
    this.calls.abortAll('the session service is shutting down');
    this.clientRequests.abortAll();
    await Promise.all([this.table.closeAll(), ...this.cleanups]);
  }

  /**
   * Runs `fn` on the key's session. When the downstream has forgotten the session (HTTP
   * 404), the request was refused unexecuted, so it is sent once more on a new session.
   */
  private async withSession<T>(
    key: SessionKey,
    connection: GatewayTransport,
    forward: string | undefined,
    cancellation: Cancellation | undefined,
    fn: (connection: DownstreamConnection) => Promise<T>,
  ): Promise<T> {
    // stdio servers get no headers: nothing to open.
    const forwarded = forward !== undefined && connection.type !== 'stdio' ? this.openForwarded(key, forward) : undefined;
    for (let attempt = 1; ; attempt++) {
      const lease = await this.table.acquire(key, connection, forwarded);
      try {
        if (cancellation?.aborted) throw cancellation.reason;
        return await fn(lease.connection);
      } catch (error) {
        const cancelled = cancellation?.aborted === true;
        if (!cancelled && isBrokenSession(error, lease.connection)) {
          lease.discard();
          if (attempt === 1 && isSessionGone(error)) continue;
          this.connectDeps.logger.warn(`gateway ${key.gateway}: session dropped (${describeFailure(error)})`);
        }
        throw toGatewayError(error, { gateway: key.gateway, connection: lease.connection, cancellation });
      } finally {
        lease.release();
      }
    }
  }

  /** A passthrough caller's headers, sealed by the edge for this very persona and principal. Never logged. */
  private openForwarded(key: SessionKey, forward: string): Record<string, string> {
    try {
      const parsed: unknown = JSON.parse(this.deps.secrets.open(forward, passthroughSecretContext(key.persona, key.principal)));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every((value) => typeof value === 'string')) {
        throw new TypeError('not a record of header values');
      }
      return parsed as Record<string, string>;
    } catch (error) {
      this.connectDeps.logger.warn(`persona ${key.persona}: forwarded headers refused (${error instanceof SecretError ? error.message : 'malformed'})`);
      throw new GatewayError('UNAUTHORIZED', 'Forwarded headers could not be read', { cause: error });
    }
  }

  private forwardProgress(notify: NotifyTarget, progressToken: string | number) {
    return (progress: { progress: number; total?: number; message?: string }) =>
      this.emit(() =>
        this.deps.events.progress({
          ...notify,
          progressToken,
          progress: progress.progress,
          ...(progress.total !== undefined ? { total: progress.total } : {}),
          ...(progress.message !== undefined ? { message: progress.message } : {}),
        }),
      );
  }

  /** Events are best effort: a failed publish must not fail the call that caused it. */
  private emit(send: () => void | Promise<void>): void {
    void Promise.resolve()
      .then(send)
      .catch((error: unknown) => this.connectDeps.logger.warn(`could not publish a session event: ${error instanceof Error ? error.message : String(error)}`));
  }
}

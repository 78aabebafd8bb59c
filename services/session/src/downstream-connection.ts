import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ErrorCode,
  isJSONRPCNotification,
  isJSONRPCRequest,
  JSONRPCMessageSchema,
  LoggingMessageNotificationSchema,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
  type ClientCapabilities,
  type ClientNotification,
  type ClientRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { GatewayError, type GatewayTransport } from '@persona-gateway/contracts';
import { SecretError, type SecretBox } from '@persona-gateway/secrets';
import { CallTargets, type CallTarget } from './call-targets.js';
import type { DirectPost } from './direct-post.js';
import { createDownstreamTransport, type DownstreamTransport } from './downstream-transport.js';
import { processTree, reapProcesses, type ProcessRef } from './process-tree.js';

export type ListKind = 'tools' | 'resources' | 'prompts';

export interface SessionLogger {
  warn(message: string): void;
}

export interface ConnectDeps {
  readonly secrets: SecretBox;
  readonly clientVersion: string;
  readonly connectTimeoutMs: number;
  readonly processGraceMs: number;
  readonly logger: SessionLogger;
  /** Takes clean-ups left running in the background, so shutdown can wait for them. */
  readonly track: (cleanup: Promise<void>) => void;
}

export type ServerRequestMethod = 'sampling/createMessage' | 'elicitation/create';
export type ServerRequestExtra = RequestHandlerExtra<ClientRequest, ClientNotification>;

export interface ConnectionHooks {
  /** The downstream went away by itself (process exit, broken event stream). */
  readonly onLost?: () => void;
  readonly onListChanged?: (what: ListKind) => void;
  /**
   * Sampling and elicitation requests come here, with the call they belong to (see CallTargets;
   * undefined outside any call). The answer is the result; a throw is the JSON-RPC error. Not
   * given (discovery): they are refused with -32601.
   */
  readonly onServerRequest?: (target: CallTarget | undefined, method: ServerRequestMethod, params: Record<string, unknown>, extra: ServerRequestExtra) => Promise<Record<string, unknown>>;
  /** Given, the downstream's log level is set to `debug` after connect (if it offers logging) and its messages come here, with their call. */
  readonly onLogMessage?: (target: CallTarget | undefined, params: Record<string, unknown>) => void;
  readonly onResourceUpdated?: (uri: string) => void;
}

/**
 * What the gateway's downstream client declares when it carries server-to-client requests: a
 * superset of what its callers may support. Each request is still checked against the caller's
 * own capabilities before it is forwarded. No `roots`: a server may ask for roots at any time,
 * outside any call, when no caller is there to answer (see the README).
 */
const CARRIED_CAPABILITIES: ClientCapabilities = { sampling: {}, elicitation: { form: {}, url: {} } };
/** Outside the session table (discovery) nobody could answer: what an SDK client without the handler says. */
const refuseServerRequest = async (_target: CallTarget | undefined, method: ServerRequestMethod): Promise<never> => {
  throw Object.assign(new Error(`The client cannot take ${method} requests outside a tool call`), { code: ErrorCode.MethodNotFound });
};
/** The level the gateway asks of a downstream: everything, filtered per client session at the edge. */
const DOWNSTREAM_LOG_LEVEL = 'debug';

/** Callers see only this: which gateway, never why (the reason may name hosts, paths or tokens). */
export const unavailable = (gateway: string, cause?: unknown) => new GatewayError('UNAVAILABLE', `Downstream gateway endpoint not available: ${gateway}`, { cause });

/** One initialised MCP client session with a downstream server, and its clean-up. */
export class DownstreamConnection {
  private closing: Promise<void> | undefined;
  /** Set before shutdown starts: closing the transport fires onclose synchronously, which must not close again. */
  private closeRequested = false;
  private tree: ProcessRef[] = [];
  private lostFlag = false;
  private onLogMessage: ConnectionHooks['onLogMessage'];

  private constructor(
    readonly gateway: string,
    readonly client: Client,
    private readonly downstream: DownstreamTransport,
    private readonly deps: ConnectDeps,
  ) {}

  /** Connects and initialises within the connect timeout; any failure is UNAVAILABLE and leaves nothing running. */
  static async open(gateway: string, connection: GatewayTransport, deps: ConnectDeps, hooks: ConnectionHooks = {}, forwarded?: Readonly<Record<string, string>>): Promise<DownstreamConnection> {
    let downstream: DownstreamTransport;
    try {
      downstream = createDownstreamTransport(gateway, connection, deps.secrets, forwarded);
    } catch (error) {
      if (error instanceof SecretError) deps.logger.warn(`gateway ${gateway}: a sealed header or environment value cannot be opened (${error.message})`);
      throw unavailable(gateway, error);
    }
    // Discovery declares them too: servers (server-everything among them) offer some tools only to clients that can sample or elicit.
    const client = new Client({ name: 'persona-gateway', version: deps.clientVersion }, { capabilities: CARRIED_CAPABILITIES });
    const self = new DownstreamConnection(gateway, client, downstream, deps);
    self.wire(hooks);
    try {
      await self.initialise();
    } catch (error) {
      // Fail now; a hung stdio server may take seconds to stop, and the caller need not wait.
      deps.track(self.close());
      const stderr = downstream.stderr();
      const status = error instanceof StreamableHTTPError && typeof error.code === 'number' && error.code > 0 ? `HTTP ${error.code}: ` : '';
      deps.logger.warn(`gateway ${gateway}: cannot connect (${status}${error instanceof Error ? error.message : String(error)})${stderr ? `; stderr: ${stderr}` : ''}`);
      throw unavailable(gateway, error);
    }
    const pid = downstream.pid();
    if (pid !== null) self.tree = await processTree(pid);
    if (hooks.onLogMessage && client.getServerCapabilities()?.logging) await self.setLogLevel();
    return self;
  }

  /** The calls running on this session: server-to-client traffic is attributed to them. */
  readonly calls = new CallTargets();

  /** Streamable HTTP only: tools/call without the SDK client (direct-call.ts). */
  get direct(): DirectPost | undefined {
    return this.downstream.direct;
  }

  /**
   * A message the direct tools/call path read from its own response stream, handed on as if
   * the SDK transport had read it (and validated as it validates), so the handlers set up in
   * `wire` answer it. `owner` is the call whose stream carried it: its requests and log
   * messages are attributed to it rather than to the most recent call.
   */
  receive(message: unknown, owner: CallTarget | undefined): void {
    const parsed = JSONRPCMessageSchema.safeParse(message);
    if (!parsed.success) return; // the transport reports it to the client's onerror, which ignores it
    const valid = parsed.data;
    if (owner && isJSONRPCRequest(valid)) {
      this.calls.own(valid.id, owner);
    } else if (owner && this.onLogMessage && isJSONRPCNotification(valid) && valid.method === 'notifications/message') {
      // Notification handlers get no request id to look the owner up by: delivered here, with the SDK's own schema.
      const log = LoggingMessageNotificationSchema.safeParse(valid);
      if (log.success) this.onLogMessage(owner, log.data.params);
      return;
    }
    try {
      this.downstream.transport.onmessage?.(valid);
    } catch {
      // What the SDK transport does with a handler's throw: reports it to the client's onerror, which ignores it.
    }
  }

  get sessionId(): string | undefined {
    return this.downstream.sessionId();
  }

  /** True once the downstream is gone or closing: in-flight failures then mean "unavailable", not a downstream answer. */
  get lost(): boolean {
    return this.lostFlag || this.closeRequested;
  }

  /** Idempotent. Ends the session downstream and, for stdio, the server's whole process tree. */
  close(): Promise<void> {
    if (!this.closing) {
      this.closeRequested = true;
      this.closing = this.shutdown();
    }
    return this.closing;
  }

  private wire(hooks: ConnectionHooks): void {
    // Per-call failures are classified where the call is made; stray transport errors
    // (a Streamable HTTP GET stream retrying after the server restarted) are expected noise.
    this.client.onerror = () => undefined;
    this.client.onclose = () => {
      if (this.closeRequested) return;
      this.lostFlag = true;
      hooks.onLost?.();
      void this.close();
    };
    if (this.downstream.kind === 'sse') {
      // Legacy SSE has no resumption: once the event stream breaks, replies can no longer arrive.
      const transport = this.downstream.transport;
      transport.onerror = (error) => {
        if (!(error instanceof SseError) || this.closeRequested || this.client.getServerVersion() === undefined) return;
        this.lostFlag = true;
        hooks.onLost?.();
        void this.close();
      };
    }
    const onListChanged = hooks.onListChanged;
    if (onListChanged) {
      this.client.setNotificationHandler(ToolListChangedNotificationSchema, () => onListChanged('tools'));
      this.client.setNotificationHandler(ResourceListChangedNotificationSchema, () => onListChanged('resources'));
      this.client.setNotificationHandler(PromptListChangedNotificationSchema, () => onListChanged('prompts'));
    }
    const { onLogMessage, onResourceUpdated } = hooks;
    const onServerRequest = hooks.onServerRequest ?? refuseServerRequest;
    // The original request's params go on, not the SDK's validated copy (which adds defaults such as `mode`).
    this.client.setRequestHandler(CreateMessageRequestSchema, (request, extra) => onServerRequest(this.calls.forRequest(extra.requestId), 'sampling/createMessage', request.params, extra) as never);
    this.client.setRequestHandler(ElicitRequestSchema, (request, extra) => onServerRequest(this.calls.forRequest(extra.requestId), 'elicitation/create', request.params, extra) as never);
    this.onLogMessage = onLogMessage;
    if (onLogMessage) this.client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => onLogMessage(this.calls.current(), notification.params));
    if (onResourceUpdated) this.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => onResourceUpdated(notification.params.uri));
  }

  /** Best effort: a server that refuses still works, it only decides for itself what to log. */
  private async setLogLevel(): Promise<void> {
    try {
      await this.client.setLoggingLevel(DOWNSTREAM_LOG_LEVEL, { timeout: this.deps.connectTimeoutMs });
    } catch (error) {
      this.deps.logger.warn(`gateway ${this.gateway}: logging/setLevel refused (${error instanceof Error ? error.message : String(error)})`);
    }
  }

  private async initialise(): Promise<void> {
    const ms = this.deps.connectTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    // The SDK's own timeout covers only the initialize request, not opening an event stream or spawning.
    const timedOut = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
    const connecting = this.client.connect(this.downstream.transport, { timeout: ms });
    connecting.catch(() => undefined); // settles after close() when the timer won
    try {
      await Promise.race([connecting, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async shutdown(): Promise<void> {
    const pid = this.downstream.pid();
    // Snapshot the tree while its root is alive: children are re-parented once it exits.
    const tree = pid === null ? this.tree : mergeRefs(this.tree, await processTree(pid));
    await this.downstream.transport.close().catch(() => undefined);
    await this.downstream.direct?.close().catch(() => undefined);
    // Frees the session downstream now rather than at its own timeout (pointless once it is known gone).
    if (!this.lostFlag) await this.downstream.terminate();
    if (tree.length > 0) await reapProcesses(tree, this.deps.processGraceMs);
  }
}

function mergeRefs(a: readonly ProcessRef[], b: readonly ProcessRef[]): ProcessRef[] {
  const seen = new Map(a.map((ref) => [`${ref.pid}/${ref.startTime}`, ref]));
  for (const ref of b) seen.set(`${ref.pid}/${ref.startTime}`, ref);
  return [...seen.values()];
}

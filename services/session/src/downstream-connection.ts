import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { PromptListChangedNotificationSchema, ResourceListChangedNotificationSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { GatewayError, type GatewayTransport } from '@persona-gateway/contracts';
import { SecretError, type SecretBox } from '@persona-gateway/secrets';
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

export interface ConnectionHooks {
  /** The downstream went away by itself (process exit, broken event stream). */
  readonly onLost?: () => void;
  readonly onListChanged?: (what: ListKind) => void;
}

/** Callers see only this: which gateway, never why (the reason may name hosts, paths or tokens). */
export const unavailable = (gateway: string, cause?: unknown) => new GatewayError('UNAVAILABLE', `Downstream gateway endpoint not available: ${gateway}`, { cause });

/** One initialised MCP client session with a downstream server, and its clean-up. */
export class DownstreamConnection {
  private closing: Promise<void> | undefined;
  /** Set before shutdown starts: closing the transport fires onclose synchronously, which must not close again. */
  private closeRequested = false;
  private tree: ProcessRef[] = [];
  private lostFlag = false;

  private constructor(
    readonly gateway: string,
    readonly client: Client,
    private readonly downstream: DownstreamTransport,
    private readonly deps: ConnectDeps,
  ) {}

  /** Connects and initialises within the connect timeout; any failure is UNAVAILABLE and leaves nothing running. */
  static async open(gateway: string, connection: GatewayTransport, deps: ConnectDeps, hooks: ConnectionHooks = {}): Promise<DownstreamConnection> {
    let downstream: DownstreamTransport;
    try {
      downstream = createDownstreamTransport(gateway, connection, deps.secrets);
    } catch (error) {
      if (error instanceof SecretError) deps.logger.warn(`gateway ${gateway}: a sealed header or environment value cannot be opened (${error.message})`);
      throw unavailable(gateway, error);
    }
    // No capabilities: servers must not send sampling, elicitation or roots requests (not carried yet).
    const client = new Client({ name: 'persona-gateway', version: deps.clientVersion }, { capabilities: {} });
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
    return self;
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

import type { PersonaView } from '@persona-gateway/catalog';
import type { ClientCapabilities, Principal } from '@persona-gateway/contracts';
import type { McpBackend } from './backend.js';
import { RpcCode, RpcError } from './errors.js';
import type { InFlightCall } from './in-flight-calls.js';
import { isRecord } from './json-rpc.js';

export type ProgressToken = string | number;
const FORWARDED = ['resources/read', 'prompts/get', 'completion/complete', 'resources/subscribe', 'resources/unsubscribe'] as const;
type ForwardedMethod = (typeof FORWARDED)[number];
const MAX_NAME_LENGTH = 256;
const MAX_TOKEN_LENGTH = 256;

export interface RemoteContext {
  readonly persona: PersonaView;
  readonly principal: Principal;
  readonly call: InFlightCall;
  readonly progressToken: ProgressToken | undefined;
  /** Where progress, log messages and server requests go: this replica and the SSE stream answering the request. */
  readonly notify: { readonly edgeInstance: string; readonly stream: string } | undefined;
  /** What the client can answer; sent only with `notify` (without a stream nothing can reach it). */
  readonly clientCapabilities?: ClientCapabilities;
  /** A passthrough caller's forwarded headers, sealed by the authenticator. */
  readonly forward?: string;
}

/**
 * The MCP methods of a persona. Lists are answered from the in-memory view; tools/call
 * and the per-item reads go over the bus to the router, which owns routing and access.
 */
export class MethodDispatcher {
  constructor(
    private readonly backend: McpBackend,
    /** How long to wait for the router: the downstream call timeout plus headroom for the hops. */
    private readonly timeoutMs: number,
  ) {}

  /** The result JSON (text, or UTF-8 bytes) of a method the view answers alone, or undefined if it needs the gateway. */
  answerLocally(method: string, persona: PersonaView): string | Uint8Array | undefined {
    switch (method) {
      case 'ping':
        return '{}';
      case 'tools/list':
        // The hot path: the projection serialised this once, when the persona last changed, and it is encoded once per view.
        return encodedToolsList(persona);
      case 'resources/list':
        return JSON.stringify({ resources: persona.resources });
      case 'resources/templates/list':
        return JSON.stringify({ resourceTemplates: persona.resourceTemplates });
      case 'prompts/list':
        return JSON.stringify({ prompts: persona.prompts });
      default:
        return undefined;
    }
  }

  isRemote(method: string): boolean {
    return method === 'tools/call' || (FORWARDED as readonly string[]).includes(method);
  }

  /** Runs a remote method; resolves with the result JSON, rejects with GatewayError or RpcError. */
  async callRemote(method: string, params: Record<string, unknown>, context: RemoteContext): Promise<string> {
    const { persona, principal, call } = context;
    if (method === 'tools/call') {
      const { name, arguments: args } = params;
      if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH) throw invalidParams('name must be a non-empty string');
      if (args !== undefined && !isRecord(args)) throw invalidParams('arguments must be an object');
      const result = await call.until(
        this.backend.callTool(
          {
            persona: persona.slug,
            name,
            arguments: args,
            principal,
            callId: call.callId,
            progressToken: context.progressToken,
            notify: context.notify,
            ...(context.notify && context.clientCapabilities ? { clientCapabilities: context.clientCapabilities } : {}),
            ...(context.forward !== undefined ? { forward: context.forward } : {}),
          },
          this.timeoutMs,
        ),
      );
      return JSON.stringify(result);
    }
    const result = await call.until(this.backend.forward({ persona: persona.slug, method: method as ForwardedMethod, params, principal, ...(context.forward !== undefined ? { forward: context.forward } : {}) }, this.timeoutMs));
    return JSON.stringify(result);
  }
}

/** Each view's tools/list result as UTF-8, made on first use; a changed persona is a new view, so its bytes go with the old one. */
const toolsListBytes = new WeakMap<PersonaView, Uint8Array>();

function encodedToolsList(persona: PersonaView): Uint8Array {
  let bytes = toolsListBytes.get(persona);
  if (!bytes) {
    bytes = Buffer.from(persona.toolsListJson);
    toolsListBytes.set(persona, bytes);
  }
  return bytes;
}

/** Params of a request: MCP requires an object (or none). */
export function paramsOf(params: unknown): Record<string, unknown> {
  if (params === undefined) return {};
  if (!isRecord(params)) throw invalidParams('params must be an object');
  return params;
}

/** `params._meta.progressToken`, if the client asked for progress. */
export function progressTokenOf(params: Record<string, unknown>): ProgressToken | undefined {
  const meta = params._meta;
  if (meta === undefined) return undefined;
  if (!isRecord(meta)) throw invalidParams('_meta must be an object');
  const token = meta.progressToken;
  if (token === undefined) return undefined;
  if ((typeof token === 'string' && token.length <= MAX_TOKEN_LENGTH) || (typeof token === 'number' && Number.isFinite(token))) return token;
  throw invalidParams('_meta.progressToken must be a string or a number');
}

const invalidParams = (detail: string) => new RpcError(RpcCode.InvalidParams, `Invalid params: ${detail}`);

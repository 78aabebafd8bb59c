import type { Admitted } from './admission.js';
import { carriedCapabilities, takesServerRequests } from './client-capabilities.js';
import type { ClientLogLevels } from './client-log-levels.js';
import type { McpBackend, McpLog } from './backend.js';
import { describeError, RpcCode, RpcError, refuse, rpcErrorFrom } from './errors.js';
import { accepts, emptyReply, header, isJsonContentType, jsonReply, streamReply, type McpHttpReply, type McpHttpRequest } from './http-exchange.js';
import type { InFlightCall, InFlightCalls } from './in-flight-calls.js';
import { initializeResult } from './initialize.js';
import { errorMessage, isRecord, parseClientMessage, resultMessage, resultMessageBytes, type ClientMessage, type RequestId } from './json-rpc.js';
import { paramsOf, progressTokenOf, type MethodDispatcher, type RemoteContext } from './methods.js';
import { negotiateProtocolVersion, SESSION_ID_HEADER, supportsPrimingEvents } from './protocol.js';
import type { ResourceSubscriptions } from './resource-subscriptions.js';
import type { ServerRequestIds } from './server-request-ids.js';
import type { SessionGate } from './session-gate.js';
import type { SessionClaims, SessionTokens } from './session-token.js';
import type { StreamRegistry } from './stream-registry.js';

type RequestMessage = Extract<ClientMessage, { kind: 'request' }>;
type ResponseMessage = Extract<ClientMessage, { kind: 'response' }>;
const MAX_CANCEL_REASON = 500;
/** A client sends the same Accept header on every request: its verdict is remembered (a few distinct values at most). */
const acceptVerdicts = new Map<string, boolean>();
const MAX_ACCEPT_VERDICTS = 64;

function acceptsBoth(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  let verdict = acceptVerdicts.get(accept);
  if (verdict === undefined) {
    verdict = accepts(accept, 'application/json') && accepts(accept, 'text/event-stream');
    if (acceptVerdicts.size < MAX_ACCEPT_VERDICTS) acceptVerdicts.set(accept, verdict);
  }
  return verdict;
}

export interface PostHandlerDeps {
  readonly sessions: SessionGate;
  readonly tokens: SessionTokens;
  readonly dispatcher: MethodDispatcher;
  readonly inFlight: InFlightCalls;
  readonly streams: StreamRegistry;
  readonly backend: McpBackend;
  readonly logLevels: ClientLogLevels;
  readonly subscriptions: ResourceSubscriptions;
  readonly serverRequestIds: ServerRequestIds;
  readonly instanceId: string;
  readonly serverVersion: string;
  readonly log: McpLog;
}

/**
 * POST: one JSON-RPC message. Requests answer with JSON, or with an SSE stream when
 * something may have to reach the client before the response: progress it asked for, or,
 * for tools/call, log messages (it set a level) and server requests (it can take sampling or
 * elicitation). Notifications and responses are acknowledged with 202; a response to a
 * server request the endpoint forwarded goes back to the session service that asked.
 */
export class PostHandler {
  constructor(private readonly deps: PostHandlerDeps) {}

  async handle(request: McpHttpRequest, admitted: Admitted): Promise<McpHttpReply> {
    if (!acceptsBoth(header(request.headers, 'accept'))) throw refuse.notAcceptable('both application/json and text/event-stream');
    if (!isJsonContentType(header(request.headers, 'content-type'))) throw refuse.unsupportedMediaType();
    const message = parseClientMessage(request.body);
    if (message.kind === 'request' && message.method === 'initialize') return this.initialize(message, admitted);
    const session = this.deps.sessions.require(request.headers, admitted);
    const version = this.deps.sessions.protocolVersion(request.headers, session);
    if (message.kind === 'response') {
      await this.answer(message, session);
      return emptyReply(202);
    }
    if (message.kind === 'notification') {
      if (message.method === 'notifications/cancelled') await this.cancel(message.params, session);
      return emptyReply(202);
    }
    return this.request(message, admitted, session, version);
  }

  /** A new session, sealed into its id: no replica has to remember it. */
  private initialize(message: RequestMessage, { persona, principal }: Admitted): McpHttpReply {
    const params = isRecord(message.params) ? message.params : undefined;
    if (typeof params?.protocolVersion !== 'string') {
      return jsonReply(200, errorMessage(message.id, RpcCode.InvalidParams, 'Invalid params: protocolVersion must be a string'));
    }
    const protocolVersion = negotiateProtocolVersion(params.protocolVersion);
    const { id } = this.deps.tokens.issue({ persona: persona.slug, principal: principal.id, protocolVersion, clientCapabilities: carriedCapabilities(params) });
    return jsonReply(200, resultMessage(message.id, initializeResult(persona, protocolVersion, this.deps.serverVersion)), { [SESSION_ID_HEADER]: id });
  }

  private async cancel(params: unknown, session: SessionClaims): Promise<void> {
    if (!isRecord(params) || (typeof params.requestId !== 'string' && typeof params.requestId !== 'number')) return;
    const cancelled = this.deps.inFlight.cancel(session.key, params.requestId);
    if (cancelled?.method !== 'tools/call') return;
    const reason = typeof params.reason === 'string' ? params.reason.slice(0, MAX_CANCEL_REASON) : undefined;
    // The client has its 202 coming either way; a lost cancel costs the downstream server some work.
    await this.deps.backend.cancel(cancelled.callId, reason).catch((error: unknown) => this.deps.log.warn(`could not publish the cancellation of call ${cancelled.callId}: ${describeError(error)}`));
  }

  /** The client answered a server request: back to the session replica waiting, if the id is ours and this session's. */
  private async answer(message: ResponseMessage, session: SessionClaims): Promise<void> {
    const route = this.deps.serverRequestIds.open(message.id);
    if (!route || route.session !== session.key) return;
    const answer = message.error ? { error: message.error } : { result: message.result };
    // The client has its 202 either way; a lost answer leaves the downstream to its timeout.
    await this.deps.backend
      .clientResponded({ sessionInstance: route.sessionInstance, requestKey: route.requestKey, ...answer })
      .catch((error: unknown) => this.deps.log.warn(`could not publish a client's answer to a server request: ${describeError(error)}`));
  }

  private async request(message: RequestMessage, { persona, principal, forward }: Admitted, session: SessionClaims, version: string): Promise<McpHttpReply> {
    const { id, method } = message;
    let params: Record<string, unknown>;
    let progressToken: string | number | undefined;
    let call: InFlightCall;
    try {
      params = paramsOf(message.params);
      if (method === 'logging/setLevel') {
        this.deps.logLevels.set(session.key, params);
        return jsonReply(200, resultMessage(id, '{}'));
      }
      const local = this.deps.dispatcher.answerLocally(method, persona);
      if (local !== undefined) return jsonReply(200, typeof local === 'string' ? resultMessage(id, local) : resultMessageBytes(id, local));
      if (!this.deps.dispatcher.isRemote(method)) throw new RpcError(RpcCode.MethodNotFound, 'Method not found');
      progressToken = progressTokenOf(params);
      call = this.deps.inFlight.start(session.key, id, method);
    } catch (error) {
      return jsonReply(200, this.errorBody(id, error));
    }
    const clientCapabilities = session.clientCapabilities;
    const streamed = progressToken !== undefined || (method === 'tools/call' && (takesServerRequests(clientCapabilities) || this.deps.logLevels.has(session.key)));
    const onSuccess = () => this.remember(method, params, session);
    if (!streamed) {
      return jsonReply(200, await this.respond(id, method, params, { persona, principal, call, progressToken, notify: undefined, forward }, onSuccess));
    }
    const stream = this.deps.streams.open({ persona: persona.slug, session: session.key }, 'request', progressToken);
    const notify = { edgeInstance: this.deps.instanceId, stream: stream.id };
    void this.respond(id, method, params, { persona, principal, call, progressToken, notify, clientCapabilities, forward }, onSuccess).then((body) => {
      // The spec asks for no response to a cancelled request; a plain JSON one needs an HTTP answer, a stream does not.
      if (!call.cancelledByClient()) stream.send(body);
      stream.finish();
    });
    return streamReply((sink) => stream.attach(sink, { prime: supportsPrimingEvents(version) }));
  }

  /** What a successful request leaves behind on this replica: resource subscriptions. */
  private remember(method: string, params: Record<string, unknown>, session: SessionClaims): void {
    if (typeof params.uri !== 'string') return;
    if (method === 'resources/subscribe') this.deps.subscriptions.subscribe(session.key, session.persona, session.principal, params.uri);
    if (method === 'resources/unsubscribe') this.deps.subscriptions.unsubscribe(session.key, params.uri);
  }

  /** The JSON-RPC response to a remote method: its result, or the mapped error. Never rejects. */
  private async respond(id: RequestId, method: string, params: Record<string, unknown>, context: RemoteContext, onSuccess: () => void): Promise<string> {
    try {
      const result = await this.deps.dispatcher.callRemote(method, params, context);
      onSuccess();
      return resultMessage(id, result);
    } catch (error) {
      return this.errorBody(id, error);
    } finally {
      context.call.done();
    }
  }

  private errorBody(id: RequestId, error: unknown): string {
    const rpc = rpcErrorFrom(error);
    if (rpc.code === RpcCode.InternalError && rpc.message === 'Internal error') this.deps.log.error(`MCP request failed unexpectedly: ${describeError(error)}`);
    return errorMessage(id, rpc.code, rpc.message);
  }
}

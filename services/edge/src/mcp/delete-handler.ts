import type { Admitted } from './admission.js';
import type { McpBackend, SessionTerminated } from './backend.js';
import { emptyReply, type McpHttpReply, type McpHttpRequest } from './http-exchange.js';
import type { SessionGate } from './session-gate.js';
import type { SessionTokens } from './session-token.js';

/**
 * DELETE: the client ends its session. The termination is broadcast first, so that if
 * the bus refuses, nothing has changed and the client can retry; every replica (this
 * one included, through the same event) then refuses the id and closes its streams.
 */
export class DeleteHandler {
  constructor(
    private readonly sessions: SessionGate,
    private readonly tokens: SessionTokens,
    private readonly backend: McpBackend,
    private readonly terminated: (event: SessionTerminated) => void,
  ) {}

  async handle(request: McpHttpRequest, admitted: Admitted): Promise<McpHttpReply> {
    const session = this.sessions.require(request.headers, admitted);
    this.sessions.protocolVersion(request.headers, session);
    const event = { session: session.key, persona: session.persona, expiresAt: this.tokens.expiresAt(session.issuedAt) };
    await this.backend.sessionTerminated(event);
    // Also at once here: the bus delivers our own event asynchronously, and the client may reuse the id right away.
    this.terminated(event);
    return emptyReply(200);
  }
}

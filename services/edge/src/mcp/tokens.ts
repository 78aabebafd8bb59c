import type { PersonaView } from '@persona-gateway/catalog';
import type { Principal } from '@persona-gateway/contracts';

/** The PersonaDirectory (from @persona-gateway/catalog) persona endpoints are served from. */
export const PERSONA_DIRECTORY = Symbol('persona-gateway.edge.mcp.persona-directory');

/** The McpAuthenticator that turns a request's credentials into a Principal. */
export const MCP_AUTHENTICATOR = Symbol('persona-gateway.edge.mcp.authenticator');

export interface McpAuthRequest {
  /** Lower-case header names, as Node presents them. */
  readonly headers: Record<string, string | string[] | undefined>;
  readonly persona: PersonaView;
}

/**
 * Authenticates every request to a persona endpoint (API key, OAuth access token,
 * passthrough headers, or none for an open persona). Undefined means refused: the client
 * gets 401 with `WWW-Authenticate: Bearer` and "Invalid or expired token". A thrown error
 * means it could not decide (the client gets 500, and should retry).
 */
export interface McpAuthenticator {
  authenticate(request: McpAuthRequest): Promise<Principal | Authenticated | undefined>;
}

/** A principal and what travels with its calls: a passthrough caller's forwarded headers, sealed. */
export interface Authenticated {
  readonly principal: Principal;
  /** A SealedSecret (see ForwardedHeaders in @persona-gateway/contracts), opaque to the edge. */
  readonly forward?: string;
}

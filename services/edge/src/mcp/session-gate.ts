import { refuse } from './errors.js';
import { header, type HttpHeaders } from './http-exchange.js';
import { isSupportedProtocolVersion, PROTOCOL_VERSION_HEADER, SESSION_ID_HEADER } from './protocol.js';
import type { SessionClaims, SessionTokens } from './session-token.js';
import type { TerminatedSessions } from './terminated-sessions.js';
import type { Admitted } from './admission.js';

/**
 * Every request after initialize names its session. The id is accepted only for the
 * persona and the principal it was issued to, and only until it expires or is DELETEd;
 * otherwise 404, which tells a client to initialise again.
 */
export class SessionGate {
  constructor(
    private readonly tokens: SessionTokens,
    private readonly terminated: TerminatedSessions,
  ) {}

  require(headers: HttpHeaders, { persona, principal }: Admitted): SessionClaims {
    const id = header(headers, SESSION_ID_HEADER);
    if (!id) throw refuse.sessionRequired();
    const claims = this.tokens.open(id);
    // One answer for every mismatch: a probe learns nothing about whose session an id is.
    if (!claims || claims.persona !== persona.slug || claims.principal !== principal.id || this.terminated.has(claims.key)) {
      throw refuse.sessionNotFound();
    }
    return claims;
  }

  /** The revision this request speaks: its MCP-Protocol-Version header, else the one negotiated. */
  protocolVersion(headers: HttpHeaders, session: SessionClaims): string {
    const version = header(headers, PROTOCOL_VERSION_HEADER);
    if (version === undefined) return session.protocolVersion;
    if (!isSupportedProtocolVersion(version)) throw refuse.unsupportedVersion(version);
    return version;
  }

  terminate(key: string, expiresAt: number): void {
    this.terminated.add(key, expiresAt);
  }
}

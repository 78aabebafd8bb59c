import type { PersonaDirectory, PersonaView } from '@persona-gateway/catalog';
import type { Principal } from '@persona-gateway/contracts';
import { refuse } from './errors.js';
import { header, type McpHttpRequest } from './http-exchange.js';
import type { McpAuthenticator } from './tokens.js';

export interface Admitted {
  readonly persona: PersonaView;
  readonly principal: Principal;
  /** A passthrough caller's forwarded headers, sealed: they go with every call of this request. */
  readonly forward?: string;
}

/**
 * Who may talk to a persona endpoint at all: the persona must exist (its authentication
 * settings are part of it, so this comes first) and the authenticator must accept the
 * caller. Origin is checked before this, on every method.
 */
export class Admission {
  constructor(
    private readonly directory: PersonaDirectory,
    private readonly authenticator: McpAuthenticator,
  ) {}

  async admit(request: McpHttpRequest): Promise<Admitted> {
    const persona = this.directory.get(request.slug);
    // An unknown persona looks exactly like a refused credential, so that slugs cannot be
    // enumerated without one.
    if (!persona) throw refuse.unauthorized(header(request.headers, 'authorization') !== undefined);
    const result = await this.authenticator.authenticate({ headers: request.headers as Record<string, string | string[] | undefined>, persona });
    if (!result) throw refuse.unauthorized(header(request.headers, 'authorization') !== undefined);
    if (!('principal' in result)) return { persona, principal: result };
    return { persona, principal: result.principal, ...(result.forward !== undefined ? { forward: result.forward } : {}) };
  }
}

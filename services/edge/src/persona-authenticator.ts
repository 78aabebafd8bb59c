import { API_KEY_PREFIX, bearerToken } from '@persona-gateway/access';
import type { Principal } from '@persona-gateway/contracts';
import { passthroughSecretContext, type SecretBox } from '@persona-gateway/secrets';
import { isLoopback } from './admin/loopback.js';
import type { Authenticated, McpAuthenticator, McpAuthRequest } from './mcp/index.js';
import type { PassthroughAuthentication } from './passthrough.js';
import type { ApiKeyCheck } from './token-check.js';

const ANONYMOUS: Principal = { id: 'anonymous', kind: 'anonymous' };

/**
 * Who may call a persona endpoint: an API key of this very persona, when the persona
 * takes them (each key its own service-account principal); a passthrough caller, when the
 * persona forwards headers (its JWT validated first, if configured); or anyone for a persona
 * marked open, and open only counts while the gateway listens on loopback (nobody else
 * can reach it then). The admin token is for the admin API only: it opens no persona.
 * Every refusal looks the same to the caller.
 *
 * With API keys and passthrough both on, one endpoint takes either: a bearer token in the
 * API key format (`pgw_...`) is an API key, anything else is passthrough's to judge.
 */
export class PersonaAuthenticator implements McpAuthenticator {
  constructor(
    private readonly apiKeys: ApiKeyCheck,
    private readonly host: string,
    private readonly passthrough?: PassthroughAuthentication,
    private readonly secrets?: SecretBox,
  ) {}

  async authenticate(request: McpAuthRequest): Promise<Principal | Authenticated | undefined> {
    const { persona } = request;
    const passthrough = this.passthrough ? persona.auth?.passthrough : undefined;
    const token = bearerToken(request.headers.authorization);
    if (token !== undefined && (!passthrough || token.startsWith(API_KEY_PREFIX))) {
      // Verified even when the persona takes no keys, so the answer's timing does not tell.
      const principal = await this.apiKeys.verify(token, persona.slug);
      return persona.auth?.nonInteractive ? principal : undefined;
    }
    if (passthrough) {
      const verdict = await this.passthrough!.authenticate(persona, passthrough, request.headers);
      if (verdict.outcome === 'refused') return undefined;
      if (verdict.outcome === 'accepted') {
        const { principal, forwarded } = verdict;
        if (Object.keys(forwarded).length === 0) return { principal };
        // Sealed for this persona and caller: the router carries it without being able to read it.
        return { principal, forward: this.secrets!.seal(JSON.stringify(forwarded), passthroughSecretContext(persona.slug, principal.id)) };
      }
    }
    return persona.open && isLoopback(this.host) ? ANONYMOUS : undefined;
  }
}

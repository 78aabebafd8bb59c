import { bearerToken } from '@persona-gateway/access';
import type { Principal } from '@persona-gateway/contracts';
import { isLoopback } from './admin/loopback.js';
import type { McpAuthenticator, McpAuthRequest } from './mcp/index.js';
import type { ApiKeyCheck } from './token-check.js';

const ANONYMOUS: Principal = { id: 'anonymous', kind: 'anonymous' };

/**
 * Who may call a persona endpoint: an API key of this very persona, when the persona
 * takes them (each key its own service-account principal), or anyone for a persona
 * marked open, and open only counts while the gateway listens on loopback (nobody else
 * can reach it then). The admin token is for the admin API only: it opens no persona.
 * Every refusal looks the same to the caller.
 */
export class PersonaAuthenticator implements McpAuthenticator {
  constructor(
    private readonly apiKeys: ApiKeyCheck,
    private readonly host: string,
  ) {}

  async authenticate(request: McpAuthRequest): Promise<Principal | undefined> {
    const token = bearerToken(request.headers.authorization);
    if (token !== undefined) {
      // Verified even when the persona takes no keys, so the answer's timing does not tell.
      const principal = await this.apiKeys.verify(token, request.persona.slug);
      return request.persona.auth?.nonInteractive ? principal : undefined;
    }
    return request.persona.open && isLoopback(this.host) ? ANONYMOUS : undefined;
  }
}

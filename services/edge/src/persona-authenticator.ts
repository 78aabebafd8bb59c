import { bearerToken } from '@persona-gateway/access';
import type { Principal } from '@persona-gateway/contracts';
import { isLoopback } from './admin/loopback.js';
import type { McpAuthenticator, McpAuthRequest } from './mcp/index.js';
import type { AdminTokenCheck } from './token-check.js';

const ADMIN: Principal = { id: 'admin', kind: 'admin', label: 'admin token' };
const ANONYMOUS: Principal = { id: 'anonymous', kind: 'anonymous' };

/**
 * Who may call a persona endpoint, until API keys, SSO and passthrough arrive: the admin
 * token, or anyone for a persona marked open, and open only counts while the gateway
 * listens on loopback (nobody else can reach it then).
 */
export class PersonaAuthenticator implements McpAuthenticator {
  constructor(
    private readonly adminTokens: AdminTokenCheck,
    private readonly host: string,
  ) {}

  async authenticate(request: McpAuthRequest): Promise<Principal | undefined> {
    const token = bearerToken(request.headers.authorization);
    if (token !== undefined) return (await this.adminTokens.verify(token)) ? ADMIN : undefined;
    return request.persona.open && isLoopback(this.host) ? ANONYMOUS : undefined;
  }
}

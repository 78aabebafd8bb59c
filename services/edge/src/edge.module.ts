import { Module } from '@nestjs/common';
import { AdminTokens } from '@persona-gateway/access';
import type { GatewayConfig } from '@persona-gateway/config';
import type { EventFollower } from '@persona-gateway/eventstore';
import { CONFIG, FOLLOWER, PERSONA_CATALOG, serviceStatusProvider } from '@persona-gateway/platform';
import { AdminModule } from './admin/admin.module.js';
import { McpEndpointModule } from './mcp/index.js';
import { PersonaAuthenticator } from './persona-authenticator.js';
import { AdminTokenCheck } from './token-check.js';
import { ADMIN_TOKEN_CHECK, ADMIN_TOKENS } from './tokens.js';

/** The admin-token read model, shared by the admin API and the persona endpoints. */
@Module({
  providers: [
    {
      provide: ADMIN_TOKENS,
      inject: [FOLLOWER],
      useFactory: async (follower: EventFollower) => {
        const tokens = new AdminTokens();
        await follower.follow(tokens);
        return tokens;
      },
    },
    { provide: ADMIN_TOKEN_CHECK, inject: [ADMIN_TOKENS, FOLLOWER], useFactory: (tokens: AdminTokens, follower: EventFollower) => new AdminTokenCheck(tokens, follower) },
  ],
  exports: [ADMIN_TOKENS, ADMIN_TOKEN_CHECK],
})
class AccessModule {}

@Module({
  imports: [
    AccessModule,
    { module: AdminModule, imports: [AccessModule] },
    McpEndpointModule.forRoot({
      directory: { useExisting: PERSONA_CATALOG },
      authenticator: { inject: [ADMIN_TOKEN_CHECK, CONFIG], useFactory: (tokens: AdminTokenCheck, config: GatewayConfig) => new PersonaAuthenticator(tokens, config.host) },
      imports: [AccessModule],
    }),
  ],
  providers: [serviceStatusProvider('edge')],
})
export class EdgeModule {}

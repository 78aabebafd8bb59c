import { Logger, Module } from '@nestjs/common';
import { AdminTokens, ApiKeys } from '@persona-gateway/access';
import type { GatewayConfig } from '@persona-gateway/config';
import type { EventFollower } from '@persona-gateway/eventstore';
import { CONFIG, FOLLOWER, followedProjection, PERSONA_CATALOG, SECRETS, serviceStatusProvider } from '@persona-gateway/platform';
import type { SecretBox } from '@persona-gateway/secrets';
import { AdminModule } from './admin/admin.module.js';
import { McpEndpointModule } from './mcp/index.js';
import { PassthroughAuthentication } from './passthrough.js';
import { PersonaAuthenticator } from './persona-authenticator.js';
import { AdminTokenCheck, ApiKeyCheck } from './token-check.js';
import { ADMIN_TOKEN_CHECK, ADMIN_TOKENS, API_KEY_CHECK, API_KEYS } from './tokens.js';

/** The credential read models: admin tokens (admin API) and API keys (persona endpoints). */
@Module({
  providers: [
    followedProjection(ADMIN_TOKENS, () => new AdminTokens()),
    { provide: ADMIN_TOKEN_CHECK, inject: [ADMIN_TOKENS, FOLLOWER], useFactory: (tokens: AdminTokens, follower: EventFollower) => new AdminTokenCheck(tokens, follower) },
    followedProjection(API_KEYS, () => new ApiKeys()),
    { provide: API_KEY_CHECK, inject: [API_KEYS, FOLLOWER], useFactory: (keys: ApiKeys, follower: EventFollower) => new ApiKeyCheck(keys, follower) },
  ],
  exports: [ADMIN_TOKENS, ADMIN_TOKEN_CHECK, API_KEYS, API_KEY_CHECK],
})
class AccessModule {}

@Module({
  imports: [
    AccessModule,
    { module: AdminModule, imports: [AccessModule] },
    McpEndpointModule.forRoot({
      directory: { useExisting: PERSONA_CATALOG },
      authenticator: {
        inject: [API_KEY_CHECK, CONFIG, SECRETS],
        useFactory: (keys: ApiKeyCheck, config: GatewayConfig, secrets: SecretBox) =>
          new PersonaAuthenticator(
            keys,
            config.host,
            new PassthroughAuthentication({ jwksTimeoutMs: config.jwksTimeoutMs, jwksCooldownMs: config.jwksCooldownMs, log: new Logger('passthrough') }),
            secrets,
          ),
      },
      imports: [AccessModule],
    }),
  ],
  providers: [serviceStatusProvider('edge')],
})
export class EdgeModule {}

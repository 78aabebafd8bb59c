import {
  Inject,
  Injectable,
  Logger,
  Module,
  type ClassProvider,
  type DynamicModule,
  type ExistingProvider,
  type FactoryProvider,
  type ModuleMetadata,
  type OnModuleDestroy,
  type OnModuleInit,
  type Provider,
  type ValueProvider,
} from '@nestjs/common';
import type { Bus, Subscription } from '@persona-gateway/bus';
import type { PersonaDirectory } from '@persona-gateway/catalog';
import type { GatewayConfig } from '@persona-gateway/config';
import { BUS, CONFIG, DEFAULT_BODY_LIMIT_BYTES, INSTANCE, RAW_HTTP_ROUTES, SECRETS, type Instance, type RawHttpRoutes } from '@persona-gateway/platform';
import type { SecretBox } from '@persona-gateway/secrets';
import { BusBackend, listenForEndpoint } from './bus-backend.js';
import { McpEndpoint, type McpEndpointOptions } from './mcp-endpoint.js';
import { MCP_PATH, mcpHttpHandler } from './mcp-routes.js';
import { MCP_AUTHENTICATOR, PERSONA_DIRECTORY, type McpAuthenticator } from './tokens.js';

/** A provider for one of the module's tokens, without the token: the module supplies it. */
export type ProviderSpec<T> = Omit<ValueProvider<T>, 'provide'> | Omit<ClassProvider<T>, 'provide'> | Omit<FactoryProvider<T>, 'provide'> | Omit<ExistingProvider<T>, 'provide'>;

export interface McpEndpointModuleOptions {
  /** Provides the PersonaDirectory, e.g. `{ useExisting: PERSONA_CATALOG }`. */
  readonly directory: ProviderSpec<PersonaDirectory>;
  /** Provides the McpAuthenticator, e.g. `{ useClass: EdgeAuthenticator }`. */
  readonly authenticator: ProviderSpec<McpAuthenticator>;
  /** Modules the two providers above depend on. */
  readonly imports?: ModuleMetadata['imports'];
  /** Keep-alive interval, replay retention, session lifetime: the defaults suit production. */
  readonly tuning?: Pick<McpEndpointOptions, 'keepAliveMs' | 'streamLimits' | 'sessionMaxAgeMs'>;
}

const MCP_TUNING = Symbol('persona-gateway.edge.mcp.tuning');

/** Connects the endpoint to the bus and to the HTTP server for as long as the module lives. */
@Injectable()
class McpEndpointBinding implements OnModuleInit, OnModuleDestroy {
  private subscriptions: Subscription[] = [];

  constructor(
    @Inject(McpEndpoint) private readonly endpoint: McpEndpoint,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(RAW_HTTP_ROUTES) private readonly routes: RawHttpRoutes,
  ) {}

  async onModuleInit(): Promise<void> {
    this.subscriptions = await listenForEndpoint(this.bus, this.endpoint);
    this.endpoint.start();
    this.routes.claim(MCP_PATH, mcpHttpHandler(this.endpoint, DEFAULT_BODY_LIMIT_BYTES));
  }

  async onModuleDestroy(): Promise<void> {
    // Before the HTTP server closes: open SSE streams would otherwise hold it open.
    this.endpoint.stop();
    await Promise.allSettled(this.subscriptions.map((subscription) => subscription.unsubscribe()));
  }
}

/**
 * The persona MCP endpoints, `/personas/:slug/mcp`. Needs the platform's global BUS,
 * SECRETS, CONFIG, INSTANCE and RAW_HTTP_ROUTES.
 */
@Module({})
export class McpEndpointModule {
  static forRoot(options: McpEndpointModuleOptions): DynamicModule {
    return {
      module: McpEndpointModule,
      imports: options.imports ?? [],
      providers: [
        bind(PERSONA_DIRECTORY, options.directory),
        bind(MCP_AUTHENTICATOR, options.authenticator),
        { provide: MCP_TUNING, useValue: options.tuning ?? {} },
        {
          provide: McpEndpoint,
          inject: [BUS, SECRETS, CONFIG, INSTANCE, PERSONA_DIRECTORY, MCP_AUTHENTICATOR, MCP_TUNING],
          useFactory: (bus: Bus, secrets: SecretBox, config: GatewayConfig, instance: Instance, directory: PersonaDirectory, authenticator: McpAuthenticator, tuning: McpEndpointModuleOptions['tuning']) =>
            new McpEndpoint({
              ...tuning,
              directory,
              authenticator,
              backend: new BusBackend(bus),
              secrets,
              publicUrl: config.publicUrl,
              allowedOrigins: config.allowedOrigins,
              downstreamCallTimeoutMs: config.downstreamCallTimeoutMs,
              instanceId: instance.id,
              serverVersion: instance.version,
              log: new Logger('mcp'),
            }),
        },
        McpEndpointBinding,
      ],
    };
  }
}

function bind<T>(provide: symbol, spec: ProviderSpec<T>): Provider<T> {
  return { provide, ...spec };
}

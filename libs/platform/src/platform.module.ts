import { Global, Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller.js';
import { followedProjection } from './followed-projection.js';
import { MetricsController } from './metrics.controller.js';
import type { RawHttpRoutes } from './raw-http-routes.js';
import type { Runtime } from './runtime.js';
import { BUS, CONFIG, DATA_SOURCE, EVENT_STORE, INSTANCE, RUNTIME, SECRETS, FOLLOWER, PERSONA_CATALOG, RAW_HTTP_ROUTES } from './tokens.js';
import { PersonaCatalog } from '@persona-gateway/catalog';

/** Provides the runtime's parts to every service module, and serves health and metrics. */
@Global()
@Module({})
export class PlatformModule {
  static forRuntime(runtime: Runtime, routes: RawHttpRoutes): DynamicModule {
    const providers = [
      { provide: RUNTIME, useValue: runtime },
      { provide: BUS, useValue: runtime.bus },
      { provide: EVENT_STORE, useValue: runtime.store },
      { provide: DATA_SOURCE, useValue: runtime.dataSource },
      { provide: CONFIG, useValue: runtime.config },
      { provide: INSTANCE, useValue: runtime.instance },
      { provide: SECRETS, useValue: runtime.secrets },
      { provide: FOLLOWER, useValue: runtime.follower },
      { provide: RAW_HTTP_ROUTES, useValue: routes },
    ];
    const catalog = followedProjection(PERSONA_CATALOG, () => new PersonaCatalog());
    return {
      module: PlatformModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController, MetricsController],
      providers: [...providers, catalog],
      exports: [...providers.map((provider) => provider.provide), PERSONA_CATALOG],
    };
  }
}

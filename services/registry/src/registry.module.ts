import { Module } from '@nestjs/common';
import type { PersonaCatalog } from '@persona-gateway/catalog';
import type { GatewayConfig } from '@persona-gateway/config';
import { BUS, CONFIG, createLogger, EVENT_STORE, FOLLOWER, PERSONA_CATALOG, SECRETS, serviceStatusProvider } from '@persona-gateway/platform';
import type { Bus } from '@persona-gateway/bus';
import type { EventFollower, PostgresEventStore } from '@persona-gateway/eventstore';
import type { SecretBox } from '@persona-gateway/secrets';
import { RegistryService } from './registry.service.js';

@Module({
  providers: [
    serviceStatusProvider('registry'),
    {
      provide: RegistryService,
      inject: [EVENT_STORE, BUS, FOLLOWER, PERSONA_CATALOG, SECRETS, CONFIG],
      useFactory: (store: PostgresEventStore, bus: Bus, follower: EventFollower, catalog: PersonaCatalog, secrets: SecretBox, config: GatewayConfig) => {
        const logger = createLogger(config.logLevel, 'registry');
        const service = new RegistryService(store, bus, follower, catalog, secrets, { log: (message) => logger.warn(message) });
        return Object.assign(service, {
          onModuleInit: () => service.start(),
          onApplicationBootstrap: () => service.startPolling(),
          onModuleDestroy: () => service.stop(),
        });
      },
    },
  ],
})
export class RegistryModule {}

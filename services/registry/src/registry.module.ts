import { Module } from '@nestjs/common';
import type { PersonaCatalog } from '@persona-gateway/catalog';
import { BUS, createLogger, EVENT_STORE, FOLLOWER, PERSONA_CATALOG, SECRETS, serviceStatusProvider } from '@persona-gateway/platform';
import type { Bus } from '@persona-gateway/bus';
import type { EventFollower, PostgresEventStore } from '@persona-gateway/eventstore';
import type { SecretBox } from '@persona-gateway/secrets';
import { RegistryService } from './registry.service.js';

const logger = createLogger('info', 'registry');

@Module({
  providers: [
    serviceStatusProvider('registry'),
    {
      provide: RegistryService,
      inject: [EVENT_STORE, BUS, FOLLOWER, PERSONA_CATALOG, SECRETS],
      useFactory: (store: PostgresEventStore, bus: Bus, follower: EventFollower, catalog: PersonaCatalog, secrets: SecretBox) => {
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

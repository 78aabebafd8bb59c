import { Module } from '@nestjs/common';
import type { Bus } from '@persona-gateway/bus';
import type { EventFollower, PostgresEventStore } from '@persona-gateway/eventstore';
import { BUS, EVENT_STORE, FOLLOWER, serviceStatusProvider } from '@persona-gateway/platform';
import { ApiKeyLedger } from './api-key-ledger.js';
import { ApiKeysService } from './api-keys.service.js';

@Module({
  providers: [
    serviceStatusProvider('auth'),
    {
      provide: ApiKeysService,
      inject: [EVENT_STORE, BUS, FOLLOWER],
      useFactory: async (store: PostgresEventStore, bus: Bus, follower: EventFollower) => {
        const ledger = new ApiKeyLedger();
        await follower.follow(ledger);
        const service = new ApiKeysService(store, bus, follower, ledger);
        return Object.assign(service, { onModuleInit: () => service.start(), onModuleDestroy: () => service.stop() });
      },
    },
  ],
})
export class AuthModule {}

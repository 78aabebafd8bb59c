import { Module } from '@nestjs/common';
import type { Bus } from '@persona-gateway/bus';
import type { EventFollower, PostgresEventStore, Queryable } from '@persona-gateway/eventstore';
import { BUS, DATA_SOURCE, EVENT_STORE, FOLLOWER, serviceStatusProvider } from '@persona-gateway/platform';
import { ApiKeyLedger } from './api-key-ledger.js';
import { ApiKeysService } from './api-keys.service.js';

@Module({
  providers: [
    serviceStatusProvider('auth'),
    {
      provide: ApiKeysService,
      inject: [EVENT_STORE, BUS, FOLLOWER, DATA_SOURCE],
      useFactory: async (store: PostgresEventStore, bus: Bus, follower: EventFollower, db: Queryable) => {
        const ledger = new ApiKeyLedger();
        await follower.follow(ledger);
        const service = new ApiKeysService(store, bus, follower, ledger, db);
        return Object.assign(service, { onModuleInit: () => service.start(), onModuleDestroy: () => service.stop() });
      },
    },
  ],
})
export class AuthModule {}

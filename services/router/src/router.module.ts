import { Module } from '@nestjs/common';
import type { Bus } from '@persona-gateway/bus';
import type { PersonaCatalog } from '@persona-gateway/catalog';
import type { GatewayConfig } from '@persona-gateway/config';
import type { PostgresEventStore } from '@persona-gateway/eventstore';
import { BUS, CONFIG, EVENT_STORE, INSTANCE, PERSONA_CATALOG, serviceStatusProvider, type Instance } from '@persona-gateway/platform';
import { CALL_STREAM_PREFIX } from './call-events.js';
import { CallRecorder } from './call-recorder.js';
import { RouterService } from './router.service.js';

@Module({
  providers: [
    serviceStatusProvider('router'),
    {
      provide: RouterService,
      inject: [BUS, PERSONA_CATALOG, EVENT_STORE, INSTANCE, CONFIG],
      useFactory: (bus: Bus, catalog: PersonaCatalog, store: PostgresEventStore, instance: Instance, config: GatewayConfig) => {
        // One call stream per router instance: appends never contend on a stream version.
        const recorder = new CallRecorder(store, `${CALL_STREAM_PREFIX}${instance.id}`);
        const service = new RouterService(bus, catalog, recorder, config.downstreamCallTimeoutMs);
        return Object.assign(service, { onModuleInit: () => service.start(), onModuleDestroy: () => service.stop() });
      },
    },
  ],
})
export class RouterModule {}

import { Module } from '@nestjs/common';
import type { Bus } from '@persona-gateway/bus';
import type { PersonaCatalog } from '@persona-gateway/catalog';
import type { GatewayConfig } from '@persona-gateway/config';
import { EventJournal, type PostgresEventStore, type Queryable } from '@persona-gateway/eventstore';
import { BUS, CONFIG, createLogger, DATA_SOURCE, EVENT_STORE, INSTANCE, PERSONA_CATALOG, serviceStatusProvider, type Instance } from '@persona-gateway/platform';
import { CALL_STREAM_PREFIX } from './call-events.js';
import { CallRecorder } from './call-recorder.js';
import { RouterService } from './router.service.js';

@Module({
  providers: [
    serviceStatusProvider('router'),
    {
      provide: RouterService,
      inject: [BUS, PERSONA_CATALOG, EVENT_STORE, DATA_SOURCE, INSTANCE, CONFIG],
      useFactory: (bus: Bus, catalog: PersonaCatalog, store: PostgresEventStore, db: Queryable, instance: Instance, config: GatewayConfig) => {
        // This process's files are named by its instance id; what an earlier process left is shipped by open().
        const journal = new EventJournal({
          dir: config.callJournalDir,
          owner: instance.id,
          store,
          db,
          flushIntervalMs: config.callJournalFlushMs,
          fsync: config.callJournalFsync,
          log: createLogger(config.logLevel, 'call-journal'),
        });
        // One call stream per router instance: appends never contend on a stream version.
        const recorder = new CallRecorder(journal, `${CALL_STREAM_PREFIX}${instance.id}`);
        const service = new RouterService(bus, catalog, recorder, config.downstreamCallTimeoutMs);
        return Object.assign(service, {
          // Recovery before the first call; the journal closes (shipping what is left) once no call can reach it.
          onModuleInit: async () => {
            await journal.open();
            await service.start();
          },
          onModuleDestroy: async () => {
            await service.stop();
            await journal.close();
          },
        });
      },
    },
  ],
})
export class RouterModule {}

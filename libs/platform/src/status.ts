import type { Provider } from '@nestjs/common';
import type { Bus, Subscription } from '@persona-gateway/bus';
import { ServiceStatusV1, type ServiceName } from '@persona-gateway/contracts';
import type { Instance } from './runtime.js';
import { BUS, INSTANCE } from './tokens.js';

/** Every service answers its status request, in a queue group so one replica replies. */
export function answerStatus(bus: Bus, service: ServiceName, instance: Instance): Promise<Subscription> {
  return bus.handle(
    ServiceStatusV1[service],
    () => ({ service, instanceId: instance.id, startedAt: instance.startedAt, version: instance.version }),
    { queue: service },
  );
}

/** A provider that answers `system.status.<service>.v1` for as long as the module lives. */
export function serviceStatusProvider(service: ServiceName): Provider {
  return {
    provide: `persona-gateway.status.${service}`,
    inject: [BUS, INSTANCE],
    useFactory: (bus: Bus, instance: Instance) => {
      let subscription: Subscription | undefined;
      return {
        onModuleInit: async () => {
          subscription = await answerStatus(bus, service, instance);
        },
        onModuleDestroy: async () => {
          await subscription?.unsubscribe();
        },
      };
    },
  };
}

import { Module, type Provider } from '@nestjs/common';
import type { Bus, Subscription } from '@persona-gateway/bus';
import type { GatewayConfig } from '@persona-gateway/config';
import { BUS, CONFIG, createLogger, INSTANCE, SECRETS, serviceStatusProvider, type Instance } from '@persona-gateway/platform';
import type { SecretBox } from '@persona-gateway/secrets';
import { busSessionEvents, serveSessions } from './session-bus.js';
import { SessionService } from './session-service.js';

/** The session service for as long as the module lives; on destroy every session closes and every stdio process is reaped. */
const sessionServiceProvider: Provider = {
  provide: 'persona-gateway.session.service',
  inject: [BUS, SECRETS, CONFIG, INSTANCE],
  useFactory: (bus: Bus, secrets: SecretBox, config: GatewayConfig, instance: Instance) => {
    const service = new SessionService({
      secrets,
      instance,
      events: busSessionEvents(bus),
      logger: createLogger(config.logLevel, 'session'),
      options: { idleTtlMs: config.sessionIdleTtlMs, connectTimeoutMs: config.downstreamConnectTimeoutMs, callTimeoutMs: config.downstreamCallTimeoutMs },
    });
    let subscriptions: Subscription[] = [];
    return {
      service,
      onModuleInit: async () => {
        subscriptions = await serveSessions(bus, service);
      },
      onModuleDestroy: async () => {
        // Stop taking requests first, then end what is open.
        await Promise.all(subscriptions.map((subscription) => subscription.unsubscribe()));
        await service.close();
      },
    };
  },
};

@Module({ providers: [serviceStatusProvider('session'), sessionServiceProvider] })
export class SessionModule {}

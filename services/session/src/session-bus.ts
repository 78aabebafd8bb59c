import type { Bus, Subscription } from '@persona-gateway/bus';
import {
  CallNotifiedV1,
  ClientRequestedV1,
  ClientRespondedV1,
  DownstreamListChangedV1,
  ProgressNotifiedV1,
  ResourceUpdatedV1,
  SessionCallV1,
  SessionCancelV1,
  SessionDiscoverV1,
  SessionListV1,
  SessionRequestV1,
} from '@persona-gateway/contracts';
import type { SessionEvents, SessionService } from './session-service.js';

/** Publishes the service's events on the bus. */
export function busSessionEvents(bus: Bus): SessionEvents {
  return {
    progress: (notice) => bus.publish(ProgressNotifiedV1, notice),
    listChanged: (gateway, what) => bus.publish(DownstreamListChangedV1, { gateway, what }),
    clientRequest: (request) => bus.publish(ClientRequestedV1, request),
    callNotification: (notice) => bus.publish(CallNotifiedV1, notice),
    resourceUpdated: (notice) => bus.publish(ResourceUpdatedV1, notice),
  };
}

/**
 * Answers the session contracts. Requests go to one replica (queue group `session`);
 * cancellations and client answers go to every replica, since only the one running the call can use them.
 */
export async function serveSessions(bus: Bus, service: SessionService): Promise<Subscription[]> {
  const queue = { queue: 'session' };
  const subscriptions: Subscription[] = [];
  try {
    subscriptions.push(
      await bus.handle(SessionCallV1, (request) => service.call(request), queue),
      await bus.handle(SessionRequestV1, (request) => service.request(request), queue),
      await bus.handle(SessionDiscoverV1, (request) => service.discover(request), queue),
      // One replica answers, for itself: its instanceId says which (see README).
      await bus.handle(SessionListV1, () => service.list(), queue),
      await bus.subscribe(SessionCancelV1, ({ callId, reason }) => void service.cancel(callId, reason)),
      // Every replica hears an answer; only the one waiting for it (its sessionInstance) takes it.
      await bus.subscribe(ClientRespondedV1, (answer) => void service.clientResponded(answer)),
    );
  } catch (error) {
    await Promise.all(subscriptions.map((subscription) => subscription.unsubscribe()));
    throw error;
  }
  return subscriptions;
}

import type { Provider } from '@nestjs/common';
import type { EventFollower, MemoryProjection } from '@persona-gateway/eventstore';
import { FOLLOWER } from './tokens.js';

/** A provider for an in-memory projection: created, replayed and kept current by the process's follower. */
export function followedProjection<T extends MemoryProjection>(provide: string | symbol, create: () => T): Provider {
  return {
    provide,
    inject: [FOLLOWER],
    useFactory: async (follower: EventFollower) => {
      const projection = create();
      await follower.follow(projection);
      return projection;
    },
  };
}

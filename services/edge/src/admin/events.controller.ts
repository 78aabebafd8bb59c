import { Controller, Get, Inject, Query, UseFilters, UseGuards } from '@nestjs/common';
import type { PostgresEventStore } from '@persona-gateway/eventstore';
import { EVENT_STORE } from '@persona-gateway/platform';
import { AdminGuard } from './admin.guard.js';
import { EventsQuery } from './inputs.js';
import { ProblemFilter } from './problem.js';

/** The event history, for audit: oldest first, filtered by stream or type, paged by position. */
@Controller('api/v1/events')
@UseGuards(AdminGuard)
@UseFilters(ProblemFilter)
export class EventsController {
  constructor(@Inject(EVENT_STORE) private readonly store: PostgresEventStore) {}

  @Get()
  async list(@Query() query: unknown) {
    const q = EventsQuery.parse(query);
    const events = q.stream
      ? (await this.store.readStream(q.stream)).filter((e) => e.position > q.after && (!q.type || e.type === q.type)).slice(0, q.limit)
      : await this.store.readAll({ after: q.after, limit: q.limit, types: q.type ? [q.type] : undefined });
    return { events, next: events.length === q.limit ? events[events.length - 1]!.position : undefined };
  }
}

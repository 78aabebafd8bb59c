import { Controller, Get, Inject, UseFilters, UseGuards } from '@nestjs/common';
import type { Bus } from '@persona-gateway/bus';
import { SessionListV1 } from '@persona-gateway/contracts';
import { BUS } from '@persona-gateway/platform';
import { AdminGuard } from './admin.guard.js';
import { ProblemFilter } from './problem.js';

/** Live downstream sessions (of the session replica that answers), for operators. */
@Controller('api/v1/sessions')
@UseGuards(AdminGuard)
@UseFilters(ProblemFilter)
export class SessionsController {
  constructor(@Inject(BUS) private readonly bus: Bus) {}

  @Get()
  list() {
    return this.bus.request(SessionListV1, {});
  }
}

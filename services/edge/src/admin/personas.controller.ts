import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, UseFilters, UseGuards } from '@nestjs/common';
import type { Bus } from '@persona-gateway/bus';
import type { GatewayConfig } from '@persona-gateway/config';
import { DeletePersonaV1, DeployPersonaV1, GatewayError, GetPersonaV1, ListPersonasV1, PersonaSlug, SavePersonaV1 } from '@persona-gateway/contracts';
import type { EventFollower } from '@persona-gateway/eventstore';
import { BUS, CONFIG, FOLLOWER } from '@persona-gateway/platform';
import { AdminGuard } from './admin.guard.js';
import { ADMIN_ACTOR } from './gateways.controller.js';
import { PersonaInput } from './inputs.js';
import { ProblemFilter } from './problem.js';
import { isLoopback } from './loopback.js';

@Controller('api/v1/personas')
@UseGuards(AdminGuard)
@UseFilters(ProblemFilter)
export class PersonasController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(FOLLOWER) private readonly follower: EventFollower,
    @Inject(CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get()
  list() {
    return this.bus.request(ListPersonasV1, {});
  }

  @Post()
  create(@Body() body: unknown) {
    return this.save(PersonaInput.parse(body));
  }

  @Put(':slug')
  update(@Param('slug') slug: string, @Body() body: unknown) {
    return this.save(PersonaInput.parse({ ...(body as object), slug }));
  }

  @Get(':slug')
  get(@Param('slug') slug: string) {
    return this.bus.request(GetPersonaV1, { slug: PersonaSlug.parse(slug) });
  }

  @Post(':slug/deploy')
  @HttpCode(200)
  async deploy(@Param('slug') slug: string) {
    const result = await this.bus.request(DeployPersonaV1, { slug: PersonaSlug.parse(slug), actor: ADMIN_ACTOR });
    await this.follower.waitFor(result.position);
    return this.withEndpoint(result.persona);
  }

  @Delete(':slug')
  @HttpCode(204)
  async remove(@Param('slug') slug: string): Promise<void> {
    const result = await this.bus.request(DeletePersonaV1, { slug: PersonaSlug.parse(slug), actor: ADMIN_ACTOR });
    await this.follower.waitFor(result.position);
  }

  private async save(input: PersonaInput) {
    if (input.open && !isLoopback(this.config.host)) {
      throw new GatewayError('INVALID_ARGUMENT', `A persona can be open (no authentication) only while the gateway listens on loopback; HOST is ${this.config.host}`);
    }
    const result = await this.bus.request(SavePersonaV1, { ...input, actor: ADMIN_ACTOR });
    await this.follower.waitFor(result.position);
    return { ...this.withEndpoint(result.persona), changed: result.changed, ...(result.warnings ? { warnings: result.warnings } : {}) };
  }

  private withEndpoint<T extends { slug: string }>(persona: T) {
    return { ...persona, endpoint: `${this.config.publicUrl}/personas/${persona.slug}/mcp` };
  }
}

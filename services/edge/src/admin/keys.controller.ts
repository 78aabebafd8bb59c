import { Body, Controller, Delete, Get, Inject, Param, Post, Query, UseFilters, UseGuards } from '@nestjs/common';
import type { Bus } from '@persona-gateway/bus';
import type { GatewayConfig } from '@persona-gateway/config';
import { ApiKeyId, CreateApiKeyV1, GetPersonaV1, ListApiKeysV1, PersonaSlug, RevokeApiKeyV1 } from '@persona-gateway/contracts';
import type { EventFollower } from '@persona-gateway/eventstore';
import { BUS, CONFIG, FOLLOWER } from '@persona-gateway/platform';
import { AdminGuard } from './admin.guard.js';
import { clientConfig } from './client-config.js';
import { ADMIN_ACTOR } from './gateways.controller.js';
import { ApiKeyInput, ClientConfigQuery } from './inputs.js';
import { ProblemFilter } from './problem.js';

/**
 * API keys of personas (answered by the auth service) and client configuration. The
 * create response is the only one that ever carries a key; this edge answers only once
 * its own read models hold the change, so the key works (or stops working) here at once.
 */
@Controller('api/v1')
@UseGuards(AdminGuard)
@UseFilters(ProblemFilter)
export class KeysController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(FOLLOWER) private readonly follower: EventFollower,
    @Inject(CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Post('personas/:slug/keys')
  async create(@Param('slug') slug: string, @Body() body: unknown) {
    const input = ApiKeyInput.parse(body ?? {});
    const persona = PersonaSlug.parse(slug);
    const result = await this.bus.request(CreateApiKeyV1, { persona, ...input, actor: ADMIN_ACTOR });
    await this.follower.waitFor(result.position);
    const url = this.endpoint(persona);
    return {
      ...result.apiKey,
      key: result.key,
      endpoint: url,
      clientConfig: { 'claude-desktop': clientConfig('claude-desktop', 'api-key', persona, url, result.key), cursor: clientConfig('cursor', 'api-key', persona, url, result.key) },
    };
  }

  @Get('personas/:slug/keys')
  list(@Param('slug') slug: string) {
    return this.bus.request(ListApiKeysV1, { persona: PersonaSlug.parse(slug) });
  }

  @Get('keys')
  listAll() {
    return this.bus.request(ListApiKeysV1, {});
  }

  @Delete('keys/:id')
  async revoke(@Param('id') id: string) {
    const result = await this.bus.request(RevokeApiKeyV1, { id: ApiKeyId.parse(id), actor: ADMIN_ACTOR });
    if (result.position > 0) await this.follower.waitFor(result.position);
    return result.apiKey;
  }

  @Get('personas/:slug/client-config')
  async clientConfig(@Param('slug') slug: string, @Query() query: unknown) {
    const { client, mode } = ClientConfigQuery.parse(query ?? {});
    const persona = await this.bus.request(GetPersonaV1, { slug: PersonaSlug.parse(slug) });
    const url = this.endpoint(persona.slug);
    return { client, mode, endpoint: url, config: clientConfig(client, mode, persona.slug, url) };
  }

  private endpoint(slug: string): string {
    return `${this.config.publicUrl}/personas/${slug}/mcp`;
  }
}

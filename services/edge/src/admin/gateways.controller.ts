import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, UseFilters, UseGuards } from '@nestjs/common';
import type { Bus } from '@persona-gateway/bus';
import { GatewayName, GetGatewayV1, ListGatewaysV1, RefreshGatewayV1, RegisterGatewayV1, RemoveGatewayV1, type GatewayTransport } from '@persona-gateway/contracts';
import type { EventFollower } from '@persona-gateway/eventstore';
import { BUS, FOLLOWER, SECRETS } from '@persona-gateway/platform';
import { gatewaySecretContext, type SecretBox } from '@persona-gateway/secrets';
import { AdminGuard } from './admin.guard.js';
import { GatewayInput } from './inputs.js';
import { ProblemFilter } from './problem.js';

export const ADMIN_ACTOR = 'admin';

/** Seals header and env values the moment they arrive: plain text never leaves the edge. */
export function sealTransport(secrets: SecretBox, gateway: string, transport: GatewayInput['transport']): GatewayTransport {
  const context = gatewaySecretContext(gateway);
  return transport.type === 'stdio' ? { ...transport, env: secrets.sealAll(transport.env, context) } : { ...transport, headers: secrets.sealAll(transport.headers, context) };
}

@Controller('api/v1/gateways')
@UseGuards(AdminGuard)
@UseFilters(ProblemFilter)
export class GatewaysController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SECRETS) private readonly secrets: SecretBox,
    @Inject(FOLLOWER) private readonly follower: EventFollower,
  ) {}

  @Get()
  list() {
    return this.bus.request(ListGatewaysV1, {});
  }

  @Post()
  async register(@Body() body: unknown) {
    const input = GatewayInput.parse(body);
    const result = await this.bus.request(
      RegisterGatewayV1,
      { name: input.name, description: input.description, transport: sealTransport(this.secrets, input.name, input.transport), actor: ADMIN_ACTOR },
      { timeoutMs: 30_000 },
    );
    await this.follower.waitFor(result.position);
    return { ...result.gateway, changed: result.changed };
  }

  @Get(':name')
  get(@Param('name') name: string) {
    return this.bus.request(GetGatewayV1, { name: GatewayName.parse(name) });
  }

  @Post(':name/refresh')
  @HttpCode(200)
  async refresh(@Param('name') name: string) {
    const result = await this.bus.request(RefreshGatewayV1, { name: GatewayName.parse(name), actor: ADMIN_ACTOR }, { timeoutMs: 30_000 });
    await this.follower.waitFor(result.position);
    return result.gateway;
  }

  @Delete(':name')
  @HttpCode(204)
  async remove(@Param('name') name: string): Promise<void> {
    const result = await this.bus.request(RemoveGatewayV1, { name: GatewayName.parse(name), actor: ADMIN_ACTOR });
    await this.follower.waitFor(result.position);
  }
}

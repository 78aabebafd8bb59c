import { Controller, Get, Inject, Module } from '@nestjs/common';
import type { GatewayConfig } from '@persona-gateway/config';
import { CONFIG } from '@persona-gateway/platform';
import { AdminGuard } from './admin.guard.js';
import { EventsController } from './events.controller.js';
import { GatewaysController } from './gateways.controller.js';
import { KeysController } from './keys.controller.js';
import { openApiDocument } from './openapi.js';
import { PersonasController } from './personas.controller.js';
import { SessionsController } from './sessions.controller.js';

@Controller('api/v1')
class OpenApiController {
  private readonly document: unknown;
  constructor(@Inject(CONFIG) config: GatewayConfig) {
    this.document = openApiDocument(config.publicUrl);
  }

  @Get('openapi.json')
  openapi() {
    return this.document;
  }
}

/** The admin REST API under /api/v1 (admin token), and its OpenAPI document (public). */
@Module({ controllers: [GatewaysController, PersonasController, KeysController, EventsController, SessionsController, OpenApiController], providers: [AdminGuard] })
export class AdminModule {}

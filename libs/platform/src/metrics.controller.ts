import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Runtime } from './runtime.js';
import { RUNTIME } from './tokens.js';

@Controller('metrics')
export class MetricsController {
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  /** Prometheus text format, written by the OpenTelemetry Prometheus exporter. */
  @Get()
  metrics(@Res() reply: FastifyReply): void {
    reply.hijack();
    this.runtime.telemetry.serveMetrics(reply.request.raw, reply.raw);
  }
}

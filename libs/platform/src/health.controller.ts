import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { Runtime } from './runtime.js';
import { RUNTIME } from './tokens.js';

const CHECK_TIMEOUT_MS = 2_000;

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(RUNTIME) private readonly runtime: Runtime,
  ) {}

  /** The process is alive and serving HTTP; says nothing of its dependencies. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([async () => this.indicators.check('process').up({ instance: this.runtime.instance.id })]);
  }

  /** Ready to take traffic: the database answers and the bus carries a round trip. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.probe('database', () => this.runtime.dataSource.query('SELECT 1')),
      () => this.probe('bus', () => this.runtime.bus.ping(), { transport: this.runtime.bus.transport }),
    ]);
  }

  private async probe(key: string, check: () => Promise<unknown>, details: Record<string, unknown> = {}) {
    const indicator = this.indicators.check(key);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        check(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
        }),
      ]);
      return indicator.up(details);
    } catch (error) {
      return indicator.down({ ...details, message: error instanceof Error ? error.message : 'unavailable' });
    } finally {
      clearTimeout(timer);
    }
  }
}

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Module, type DynamicModule, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { configOrExit, type GatewayConfig } from '@persona-gateway/config';
import type { ServiceName } from '@persona-gateway/contracts';
import type { Projection } from '@persona-gateway/eventstore';
import { createLogger, frameworkLogger } from './logger.js';
import { PlatformModule } from './platform.module.js';
import { createHttpAdapter, RawHttpRoutes } from './raw-http-routes.js';
import { createRuntime, settlesWithin, type Logger, type Runtime } from './runtime.js';

export interface ServiceDefinition {
  readonly name: ServiceName;
  readonly module: Type<unknown>;
  /** SQL read models this service keeps current when it runs on its own (embedded mode runs them all once). */
  readonly projections?: readonly Projection[];
}

export interface RunningGateway {
  readonly app: INestApplication;
  readonly runtime: Runtime;
  /** Where the HTTP server actually listens (the real port when PORT=0). */
  readonly url: string;
  readonly logger: Logger;
  close(): Promise<void>;
}

export const SERVICES_SHUTDOWN_MS = 8_000;
/**
 * How long HTTP connections may stay open once the services have stopped (and answered
 * what they still could). Closing the server waits for every connection to end, and a
 * kept-alive connection that was busy when closing began is then only closed by its client
 * or the keep-alive timeout (72 s): without a cut, one such client holds the shutdown.
 */
export const HTTP_SHUTDOWN_GRACE_MS = 1_000;

/** Starts the given services in this process: runtime first, then one HTTP app over all of them. */
export async function startGateway(options: {
  services: readonly ServiceDefinition[];
  config: GatewayConfig;
  projections: readonly Projection[];
  logger?: Logger;
  /** Runs with every service up but before the HTTP port opens: readiness then implies it is done. */
  beforeListen?: (runtime: Runtime) => Promise<void>;
}): Promise<RunningGateway> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.logLevel);
  const runtime = await createRuntime({ config, services: options.services.map((s) => s.name), logger, projections: options.projections });
  try {
    const routes = new RawHttpRoutes();
    @Module({ imports: [PlatformModule.forRuntime(runtime, routes), ...options.services.map((s) => s.module)] })
    class GatewayModule {}
    const root: DynamicModule = { module: GatewayModule };
    const app = await NestFactory.create<NestFastifyApplication>(root, createHttpAdapter(routes), {
      logger: frameworkLogger(config.logLevel),
      abortOnError: false,
    });
    // Runs once every service has stopped, as Nest closes the HTTP server.
    (app.getHttpAdapter().getInstance() as FastifyInstance).addHook('preClose', (done) => {
      const server = app.getHttpServer() as Server;
      setTimeout(() => server.closeAllConnections(), HTTP_SHUTDOWN_GRACE_MS).unref();
      done();
    });
    await app.init();
    await options.beforeListen?.(runtime);
    await app.listen({ port: config.port, host: config.host });
    const address = app.getHttpServer().address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    let closing: Promise<void> | undefined;
    return {
      app,
      runtime,
      logger,
      url: `http://${host}:${address.port}`,
      close: () =>
        (closing ??= (async () => {
          logger.debug?.('stopping HTTP and services');
          // A service stuck on a dead downstream must not keep the database from stopping cleanly.
          if (!(await settlesWithin(app.close(), SERVICES_SHUTDOWN_MS))) logger.warn(`services did not stop within ${SERVICES_SHUTDOWN_MS} ms; stopping the rest anyway`);
          await runtime.close();
        })()),
    };
  } catch (error) {
    await runtime.close();
    throw error;
  }
}

/** A second signal this soon after the first is the same Ctrl-C, forwarded by npm. */
const DUPLICATE_SIGNAL_MS = 1_000;

/** First Ctrl-C / SIGTERM shuts down in order; another one, later, exits at once. */
export function stopOnSignals(stop: () => Promise<void>, logger: Logger): void {
  let stoppingSince: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < DUPLICATE_SIGNAL_MS) return;
      logger.warn(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    stoppingSince = Date.now();
    logger.log(`${signal}: shutting down`);
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** Entry point of one service running on its own (distributed mode). */
export async function runServiceProcess(service: ServiceDefinition): Promise<void> {
  const config = configOrExit();
  for (const [variable, value] of [
    ['DATABASE_URL', config.databaseUrl],
    ['NATS_URL', config.natsServers],
  ] as const) {
    if (!value) {
      process.stderr.write(`Invalid configuration: ${variable} must be set to run the ${service.name} service on its own (or use npm start for embedded mode)\n`);
      process.exit(2);
    }
  }
  const logger = createLogger(config.logLevel, service.name);
  try {
    const gateway = await startGateway({ services: [service], config, projections: service.projections ?? [], logger });
    stopOnSignals(() => gateway.close(), logger);
    logger.log(`${service.name} ready: health on ${gateway.url}/health/ready, bus ${gateway.runtime.bus.transport}`);
  } catch (error) {
    logger.error(`${service.name} failed to start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Global, Module, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Bus } from '@persona-gateway/bus';
import type { PersonaDirectory } from '@persona-gateway/catalog';
import { loadConfig } from '@persona-gateway/config';
import { BUS, CONFIG, createHttpAdapter, INSTANCE, RAW_HTTP_ROUTES, RawHttpRoutes, SECRETS, type Instance } from '@persona-gateway/platform';
import { SecretBox } from '@persona-gateway/secrets';
import { McpEndpointModule, type McpAuthenticator, type McpEndpointModuleOptions } from '../../src/mcp/index.js';

export const PUBLIC_URL = 'https://gateway.example.com';
export const ALLOWED_ORIGIN = 'https://inspector.example.com';

export const randomKey = () => randomBytes(32).toString('base64');

export interface EdgeApp {
  readonly base: string;
  readonly instanceId: string;
  /** Everything the app logged: tests check it for secrets. */
  readonly logs: string[];
  endpoint(slug: string): string;
  close(): Promise<void>;
}

/** One edge replica: the MCP module in a Nest app on Fastify, on a free loopback port, with the platform's tokens provided by the test. */
export async function startEdge(options: {
  bus: Bus;
  key: string;
  directory: PersonaDirectory;
  authenticator: McpAuthenticator;
  tuning?: McpEndpointModuleOptions['tuning'];
}): Promise<EdgeApp> {
  const config = loadConfig({ PORT: '0', PUBLIC_URL, ALLOWED_ORIGINS: ALLOWED_ORIGIN, DOWNSTREAM_CALL_TIMEOUT_MS: '10000', LOG_LEVEL: 'error' });
  const instance: Instance = { id: randomUUID(), startedAt: new Date().toISOString(), version: '0.1.0', services: ['edge'] };
  const routes = new RawHttpRoutes();
  const platform = [
    { provide: BUS, useValue: options.bus },
    { provide: SECRETS, useValue: SecretBox.fromKey(options.key) },
    { provide: CONFIG, useValue: config },
    { provide: INSTANCE, useValue: instance },
    { provide: RAW_HTTP_ROUTES, useValue: routes },
  ];

  @Global()
  @Module({ providers: platform, exports: platform.map((provider) => provider.provide) })
  class TestPlatformModule {}

  @Module({
    imports: [
      TestPlatformModule,
      McpEndpointModule.forRoot({ directory: { useValue: options.directory }, authenticator: { useValue: options.authenticator }, tuning: options.tuning }),
    ],
  })
  class TestEdgeModule {}

  const logs: string[] = [];
  const record = (message: unknown) => void logs.push(String(message));
  const logger: LoggerService = { log: record, error: record, warn: record, debug: record, verbose: record, fatal: record };
  const app = await NestFactory.create<NestFastifyApplication>(TestEdgeModule, createHttpAdapter(routes), { logger, abortOnError: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.getHttpServer().address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return { base, instanceId: instance.id, logs, endpoint: (slug) => `${base}/personas/${slug}/mcp`, close: () => app.close() };
}

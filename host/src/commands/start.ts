import type { GatewayConfig } from '@persona-gateway/config';
import { createLogger, startGateway, stopOnSignals, VERSION } from '@persona-gateway/platform';
import type { DemoServer } from '../demo-servers.js';
import { issueFirstAdminToken, startDemo } from '../first-run.js';
import { ALL_PROJECTIONS } from '../projections.js';
import { ALL_SERVICES } from '../services.js';
import { removeRuntimeFile, writeRuntimeFile } from '../runtime-file.js';

/** `persona-gateway start`: all five services in this process. */
export async function start(config: GatewayConfig, options: { demo: boolean }): Promise<void> {
  const logger = createLogger(config.logLevel);
  const mode = config.natsServers ? `all services over NATS ${config.natsServers.join(',')}` : 'embedded';
  const database = config.databaseUrl ? 'PostgreSQL at DATABASE_URL' : `embedded PostgreSQL in ${config.dataDir}`;
  logger.log(`persona-gateway ${VERSION} starting (${mode}, ${database})`);
  let demo: DemoServer | undefined;
  let gateway;
  try {
    gateway = await startGateway({
      services: ALL_SERVICES,
      config,
      projections: ALL_PROJECTIONS,
      logger,
      // First-run set-up happens before the port opens, so /health/ready means it is done.
      beforeListen: async (runtime) => {
        const firstRun = (await runtime.store.headPosition()) === 0;
        if (firstRun) await issueFirstAdminToken(runtime, logger);
        if (options.demo) demo = await startDemo(runtime, logger, { firstRun });
      },
    });
  } catch (error) {
    await demo?.stop();
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'EADDRINUSE' ? `${config.host}:${config.port} is already in use (set PORT to another port)` : error instanceof Error ? error.message : String(error);
    logger.error(`persona-gateway failed to start: ${reason}`);
    process.exit(1);
  }
  const running = gateway;
  stopOnSignals(async () => {
    await running.close();
    await demo?.stop();
    await removeRuntimeFile(config.dataDir);
    logger.log('stopped');
  }, logger);
  if (running.runtime.embeddedDatabase) {
    await writeRuntimeFile(config.dataDir, { pid: process.pid, databaseUrl: running.runtime.databaseUrl, httpUrl: running.url });
  }
  logger.log(`persona-gateway ready on ${running.url} (health: ${running.url}/health/ready)`);
}

import { randomUUID } from 'node:crypto';
import { InProcessBus, NatsBus, type Bus } from '@persona-gateway/bus';
import type { GatewayConfig } from '@persona-gateway/config';
import type { ServiceName } from '@persona-gateway/contracts';
import {
  EventFollower,
  EventPublisher,
  PostgresEventStore,
  catchUpProjection,
  connectDatabase,
  migrate,
  startEmbeddedPostgres,
  WorkerLoop,
  DedicatedConnection,
  type EmbeddedDatabase,
  type Projection,
} from '@persona-gateway/eventstore';
import { loadOrCreateKeyFile, SecretBox } from '@persona-gateway/secrets';
import { startTelemetry, type Telemetry } from '@persona-gateway/telemetry';
import type { DataSource } from 'typeorm';

export const VERSION = '0.1.0';
/** How long stopping the runtime's parts (loops, connections, the bus, the embedded database) may take in all. */
export const RUNTIME_SHUTDOWN_MS = 5_000;

export interface Instance {
  readonly id: string;
  readonly startedAt: string;
  readonly version: string;
  /** The services this process runs: all five in embedded mode, one in distributed mode. */
  readonly services: readonly ServiceName[];
}

export interface Logger {
  debug?(message: string): void;
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Everything a process shares between the services it runs, closed in reverse order. */
export interface Runtime {
  readonly config: GatewayConfig;
  readonly instance: Instance;
  readonly dataSource: DataSource;
  /** Contains the database password: never log it. */
  readonly databaseUrl: string;
  readonly store: PostgresEventStore;
  readonly bus: Bus;
  readonly telemetry: Telemetry;
  readonly publisher: EventPublisher;
  /** Keeps in-memory read models current; `waitFor(position)` gives read-your-writes. */
  readonly follower: EventFollower;
  /** Seals and opens secrets at rest (ENCRYPTION_KEY; generated into DATA_DIR in embedded mode). */
  readonly secrets: SecretBox;
  /** Whether the database was started by this process (embedded mode). */
  readonly embeddedDatabase: boolean;
  close(): Promise<void>;
}


export interface RuntimeOptions {
  readonly config: GatewayConfig;
  readonly services: readonly ServiceName[];
  readonly logger: Logger;
  /** Read models this process keeps current (one process per deployment suffices for each). */
  readonly projections: readonly Projection[];
}

export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { config, logger } = options;
  const instance: Instance = { id: randomUUID(), startedAt: new Date().toISOString(), version: VERSION, services: options.services };
  const telemetry = startTelemetry({ serviceName: `persona-gateway-${options.services.length === 1 ? options.services[0] : 'embedded'}`, version: VERSION, otlpEndpoint: config.otlpEndpoint });
  const cleanups: Array<{ what: string; run: () => Promise<unknown> }> = [];
  const onClose = (what: string, run: () => Promise<unknown>) => cleanups.push({ what, run });
  onClose('telemetry', () => telemetry.shutdown());
  const close = () => closeInOrder(cleanups.reverse(), RUNTIME_SHUTDOWN_MS, logger);
  try {
    let embedded: EmbeddedDatabase | undefined;
    if (!config.databaseUrl) {
      embedded = await startEmbeddedPostgres(config.dataDir, (line) => logger.log(line));
      onClose('database (embedded)', () => embedded!.stop());
    }
    const databaseUrl = config.databaseUrl ?? embedded!.url;
    const dataSource = await connectDatabase({ url: databaseUrl, applicationName: `persona-gateway/${options.services.join('+')}` });
    onClose('database connections', () => dataSource.destroy());
    const applied = await migrate(dataSource);
    if (applied.length > 0) logger.log(`applied migrations: ${applied.join(', ')}`);
    const store = new PostgresEventStore(dataSource);
    const secrets = config.encryptionKey
      ? SecretBox.fromKey(config.encryptionKey)
      : embedded
        ? SecretBox.fromKey(await loadOrCreateKeyFile(config.dataDir))
        : SecretBox.missing();

    const bus: Bus = config.natsServers
      ? await NatsBus.connect({ servers: [...config.natsServers], name: `persona-gateway/${options.services.join('+')}/${instance.id.slice(0, 8)}` })
      : new InProcessBus();
    onClose('bus', () => bus.close());

    const publisher = new EventPublisher(dataSource, store, bus, { log: (message) => logger.warn(message) });
    publisher.start();
    onClose('event publisher', () => publisher.stop());

    const follower = new EventFollower(store, bus, { onError: (error) => logger.warn(`read models: ${error instanceof Error ? error.message : String(error)}`) });
    onClose('read models', () => follower.stop());

    if (options.projections.length > 0) {
      const stop = await runProjections(dataSource, store, options.projections, logger);
      onClose('projections', stop);
    }
    return { config, instance, dataSource, databaseUrl, store, bus, telemetry, publisher, follower, secrets, embeddedDatabase: embedded !== undefined, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Keeps projections current: woken by the store's append notifications, polling as a fallback. */
async function runProjections(dataSource: DataSource, store: PostgresEventStore, projections: readonly Projection[], logger: Logger): Promise<() => Promise<void>> {
  for (const projection of projections) await dataSource.transaction((tx) => projection.setup(tx));
  const loop = new WorkerLoop(
    async () => {
      for (const projection of projections) await catchUpProjection(dataSource, store, projection);
    },
    5_000,
    (error) => logger.warn(`projections: ${error instanceof Error ? error.message : String(error)}`),
    // Read models for audit queries: a quarter second behind is fine, and batching keeps
    // their catch-up off the hot path's CPU.
    250,
  );
  const listener = await DedicatedConnection.open(dataSource, () => loop.wake(), (error) => logger.warn(`projections lost their listener: ${error.message}`));
  loop.start();
  return async () => {
    await loop.stop();
    await listener.close();
  };
}

/**
 * Runs the cleanups one after the other, each given what is left of `budgetMs`: a part that
 * hangs (a query on a connection whose database went away with the same Ctrl-C) is left
 * behind with a warning, and the rest still runs, the embedded database last.
 */
export async function closeInOrder(cleanups: ReadonlyArray<{ what: string; run: () => Promise<unknown> }>, budgetMs: number, logger: Pick<Logger, 'warn' | 'debug'>): Promise<void> {
  const deadline = Date.now() + budgetMs;
  for (const { what, run } of cleanups) {
    logger.debug?.(`stopping ${what}`);
    const left = Math.max(deadline - Date.now(), 100);
    const stopped = run().catch((error: unknown) => logger.warn(`shutdown: ${what}: ${String(error)}`));
    if (!(await settlesWithin(stopped, left))) logger.warn(`shutdown: ${what} did not stop within ${left} ms; going on`);
  }
}

/** Whether `promise` resolves within `ms` (its rejection within that time is thrown); it is not waited for beyond that. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

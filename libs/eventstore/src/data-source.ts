import { DataSource } from 'typeorm';
import { MIGRATIONS } from './migrations.js';

const MIGRATION_LOCK_KEY = 7_404_201_000;
export const DEFAULT_POOL_SIZE = 10;

export interface DatabaseOptions {
  readonly url: string;
  readonly poolSize?: number;
  /** Shown in pg_stat_activity, so an operator can tell which service holds a connection. */
  readonly applicationName?: string;
}

export async function connectDatabase(options: DatabaseOptions): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'postgres',
    url: options.url,
    applicationName: options.applicationName ?? 'persona-gateway',
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    poolSize: options.poolSize ?? DEFAULT_POOL_SIZE,
    connectTimeoutMS: 5_000,
    logging: false,
    entities: [],
  });
  try {
    await dataSource.initialize();
  } catch (error) {
    // Name the server, never the credentials in the URL.
    const { hostname, port, pathname } = new URL(options.url);
    throw new Error(`Cannot connect to PostgreSQL at ${hostname}:${port || 5432}${pathname}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return dataSource;
}

/**
 * Runs pending migrations. Several processes may start at once (distributed mode):
 * a session-level advisory lock lets exactly one migrate while the others wait.
 */
export async function migrate(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}

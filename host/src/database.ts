import type { GatewayConfig } from '@persona-gateway/config';
import { connectDatabase, migrate, PostgresEventStore, startEmbeddedPostgres } from '@persona-gateway/eventstore';
import type { DataSource } from 'typeorm';
import { readRuntimeFile } from './runtime-file.js';

export interface OpenDatabase {
  readonly dataSource: DataSource;
  readonly store: PostgresEventStore;
  close(): Promise<void>;
}

/**
 * For CLI verbs: DATABASE_URL when set; else the database of the gateway running on
 * DATA_DIR; else the embedded cluster in DATA_DIR, started for the duration of the verb.
 */
export async function openDatabase(config: GatewayConfig): Promise<OpenDatabase> {
  let url = config.databaseUrl ?? (await readRuntimeFile(config.dataDir))?.databaseUrl;
  let stopEmbedded = async () => undefined as void;
  if (!url) {
    const embedded = await startEmbeddedPostgres(config.dataDir);
    url = embedded.url;
    stopEmbedded = () => embedded.stop();
  }
  try {
    const dataSource = await connectDatabase({ url, applicationName: 'persona-gateway/cli', poolSize: 2 });
    await migrate(dataSource);
    return {
      dataSource,
      store: new PostgresEventStore(dataSource),
      close: async () => {
        await dataSource.destroy();
        await stopEmbedded();
      },
    };
  } catch (error) {
    await stopEmbedded();
    throw error;
  }
}

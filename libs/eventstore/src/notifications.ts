import type pg from 'pg';
import type { DataSource } from 'typeorm';
import { EVENTS_CHANNEL } from './migrations.js';

/** The pg pool behind a TypeORM DataSource, for the few things that need a dedicated connection. */
export function poolOf(dataSource: DataSource): pg.Pool {
  return (dataSource.driver as unknown as { master: pg.Pool }).master;
}

/**
 * A dedicated connection that LISTENs for appends (the store NOTIFYs on commit), so
 * consumers react in milliseconds instead of waiting for their next poll. Optionally
 * it also holds a session advisory lock, which makes its holder the single leader.
 */
export class DedicatedConnection {
  private constructor(private readonly client: pg.PoolClient) {}

  static async open(dataSource: DataSource, onAppended: () => void, onLost: (error: Error) => void): Promise<DedicatedConnection> {
    const client = await poolOf(dataSource).connect();
    client.on('notification', (message) => {
      if (message.channel === EVENTS_CHANNEL) onAppended();
    });
    client.on('error', onLost);
    await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    return new DedicatedConnection(client);
  }

  async tryLock(key: number): Promise<boolean> {
    const { rows } = await this.client.query('SELECT pg_try_advisory_lock($1) AS locked', [key]);
    return rows[0].locked === true;
  }

  async close(): Promise<void> {
    // Destroy rather than return to the pool: LISTEN and session locks must not leak to another user.
    this.client.release(true);
  }
}

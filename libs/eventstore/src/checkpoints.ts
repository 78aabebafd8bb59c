import type { Queryable } from './queryable.js';

/** Reads a checkpoint, locking its row for the rest of the transaction when asked. */
export async function readCheckpoint(db: Queryable, name: string, options: { lock?: boolean } = {}): Promise<number> {
  await db.query('INSERT INTO checkpoints (name, position) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING', [name]);
  const [row] = await db.query(`SELECT position FROM checkpoints WHERE name = $1${options.lock ? ' FOR UPDATE' : ''}`, [name]);
  return Number(row.position);
}

export async function writeCheckpoint(db: Queryable, name: string, position: number): Promise<void> {
  await db.query(
    `INSERT INTO checkpoints (name, position, updated_at) VALUES ($1, $2, now())
     ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
    [name, position],
  );
}

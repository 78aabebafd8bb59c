import { issueAdminToken } from '@persona-gateway/access';
import type { GatewayConfig } from '@persona-gateway/config';
import { openDatabase } from '../database.js';

/** `persona-gateway admin-token create`: a new admin token, printed once (distributed deployments). */
export async function adminToken(config: GatewayConfig, action: string | undefined): Promise<number> {
  if (action !== 'create') {
    process.stderr.write('usage: persona-gateway admin-token create\n');
    return 2;
  }
  const db = await openDatabase(config);
  try {
    const token = await issueAdminToken(db.store, 'cli');
    process.stdout.write(`${token}\n`);
    process.stderr.write('store it now: only its hash is kept\n');
    return 0;
  } finally {
    await db.close();
  }
}

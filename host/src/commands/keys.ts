import type { ApiKeySummary } from '@persona-gateway/contracts';
import type { GatewayConfig } from '@persona-gateway/config';
import { adminClient, type AdminClientOptions } from './admin-client.js';

const USAGE = 'usage: persona-gateway keys create --persona <slug> --name <name> [--expires never|30d|90d|1y]\n       persona-gateway keys list --persona <slug> [--json]\n       persona-gateway keys revoke <id>\n';

export interface KeysOptions extends AdminClientOptions {
  readonly persona?: string;
  readonly name?: string;
  readonly expires?: string;
  readonly json?: boolean;
}

/** `persona-gateway keys ...`: API keys through the running gateway's admin API. */
export async function keys(config: GatewayConfig, positionals: string[], options: KeysOptions): Promise<number> {
  const [action, id] = positionals;
  const usage = () => (process.stderr.write(USAGE), 2);
  try {
    if (action === 'create') {
      if (!options.persona || !options.name) return usage();
      const api = await adminClient(config, 'keys create', options);
      const created = await api<ApiKeySummary & { key: string }>('POST', `/personas/${encodeURIComponent(options.persona)}/keys`, { name: options.name, expires: options.expires ?? '90d' });
      process.stdout.write(`${created.key}\n`);
      process.stderr.write(`key ${created.id} (${created.name}) for persona ${created.persona}, expires ${created.expiresAt ?? 'never'}; store it now: only its hash is kept\n`);
      return 0;
    }
    if (action === 'list') {
      if (!options.persona) return usage();
      const api = await adminClient(config, 'keys list', options);
      const { keys: list } = await api<{ keys: ApiKeySummary[] }>('GET', `/personas/${encodeURIComponent(options.persona)}/keys`);
      if (options.json) process.stdout.write(`${JSON.stringify(list)}\n`);
      else for (const key of list) process.stdout.write(`${[key.id, key.prefix, key.status, key.name, `created ${key.createdAt}`, `expires ${key.expiresAt ?? 'never'}`, `last used ${key.lastUsedAt ?? 'never'}`].join('  ')}\n`);
      return 0;
    }
    if (action === 'revoke') {
      if (!id) return usage();
      const api = await adminClient(config, 'keys revoke', options);
      const revoked = await api<ApiKeySummary>('DELETE', `/keys/${encodeURIComponent(id)}`);
      process.stdout.write(`key ${revoked.id} (${revoked.name}): ${revoked.status}\n`);
      return 0;
    }
    return usage();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
}

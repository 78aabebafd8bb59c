import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GatewayConfig } from '@persona-gateway/config';
import { ADMIN_TOKEN_FILE } from '../first-run.js';
import { readRuntimeFile } from '../runtime-file.js';

export interface AdminClientOptions {
  readonly url?: string;
  readonly token?: string;
}

/** Admin API calls from the CLI: the running gateway's URL and the admin token, found the way `apply` finds them. */
export async function adminClient(config: GatewayConfig, command: string, options: AdminClientOptions) {
  const url = (options.url ?? (await readRuntimeFile(config.dataDir))?.httpUrl ?? config.publicUrl).replace(/\/+$/, '');
  const token = options.token ?? process.env.PGW_ADMIN_TOKEN ?? (await readFile(join(config.dataDir, ADMIN_TOKEN_FILE), 'utf8').catch(() => '')).trim();
  if (!token) throw new Error(`${command}: no admin token: pass --token, set PGW_ADMIN_TOKEN, or run where ${join(config.dataDir, ADMIN_TOKEN_FILE)} exists`);
  return async <T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).catch((error: unknown) => {
      throw new Error(`${command}: cannot reach the gateway at ${url}: ${error instanceof Error ? error.message : String(error)}`);
    });
    const payload = (await response.json().catch(() => ({}))) as T & { detail?: string };
    if (!response.ok) throw new Error(`${command}: ${path}: ${payload.detail ?? `HTTP ${response.status}`}`);
    return payload;
  };
}

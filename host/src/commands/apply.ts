import { readFile } from 'node:fs/promises';
import type { GatewayConfig } from '@persona-gateway/config';
import { parse } from 'yaml';
import { z } from 'zod';
import { adminClient } from './admin-client.js';

/** Tools as `{ gateway, tool }` or the shorthand "Gateway/tool". */
const ToolEntry = z.union([
  z.object({ gateway: z.string(), tool: z.string() }),
  z.string().regex(/^[^/]+\/.+$/, 'must be "Gateway/tool"').transform((value) => ({ gateway: value.slice(0, value.indexOf('/')), tool: value.slice(value.indexOf('/') + 1) })),
]);

const ApplyFile = z.object({
  gateways: z.array(z.looseObject({ name: z.string() })).default([]),
  personas: z.array(z.looseObject({ slug: z.string(), tools: z.array(ToolEntry).default([]) })).default([]),
});

/** `${NAME}` in the file is replaced by the environment variable, so secrets stay out of files. */
function interpolate(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const value = env[name];
    if (value === undefined) throw new Error(`apply: the file uses \${${name}}, which is not set in the environment`);
    return value;
  });
}

/**
 * `persona-gateway apply -f <file.yaml>`: declares gateways and personas through the
 * running gateway's admin API. Idempotent: the registry appends events only for what
 * actually differs, so applying the same file twice changes nothing.
 */
export async function apply(config: GatewayConfig, options: { file?: string; url?: string; token?: string }): Promise<number> {
  if (!options.file) return fail('apply: -f <file.yaml> is required');
  const declared = ApplyFile.safeParse(parse(interpolate(await readFile(options.file, 'utf8'), process.env)));
  if (!declared.success) return fail(`apply: ${options.file}: ${declared.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  let send: (path: string, body: unknown) => Promise<{ changed?: boolean; status?: string; statusReason?: string; warnings?: string[] }>;
  try {
    const api = await adminClient(config, 'apply', options);
    send = (path, body) => api('POST', path, body);
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }

  try {
    for (const gateway of declared.data.gateways) {
      const result = await send('/gateways', gateway);
      const health = result.status === 'available' ? '' : ` (${result.status}${result.statusReason ? `: ${result.statusReason}` : ''})`;
      process.stdout.write(`gateway ${gateway.name}: ${result.changed ? 'applied' : 'unchanged'}${health}\n`);
    }
    for (const persona of declared.data.personas) {
      const result = await send('/personas', persona);
      process.stdout.write(`persona ${persona.slug}: ${result.changed ? 'applied' : 'unchanged'}\n`);
      for (const warning of result.warnings ?? []) process.stderr.write(`warning: persona ${persona.slug}: ${warning}\n`);
    }
    return 0;
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}

function fail(message: string): number {
  process.stderr.write(`${message}\n`);
  return 2;
}

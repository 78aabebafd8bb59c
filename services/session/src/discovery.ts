import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ErrorCode, ListPromptsResultSchema, ListResourcesResultSchema, ListResourceTemplatesResultSchema, ListToolsResultSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { Catalog } from '@persona-gateway/contracts';

/** A server answering page after page with fresh cursors would otherwise hold discovery forever. */
const MAX_PAGES = 1_000;

type ListMethod = 'tools/list' | 'resources/list' | 'resources/templates/list' | 'prompts/list';

const LISTS = {
  'tools/list': { schema: ListToolsResultSchema, field: 'tools' },
  'resources/list': { schema: ListResourcesResultSchema, field: 'resources' },
  'resources/templates/list': { schema: ListResourceTemplatesResultSchema, field: 'resourceTemplates' },
  'prompts/list': { schema: ListPromptsResultSchema, field: 'prompts' },
} as const;

/** Every page of one list. A server without the method (MethodNotFound) offers an empty list. */
async function listAll(client: Client, method: ListMethod, signal: AbortSignal, timeoutMs: number): Promise<unknown[]> {
  const { schema, field } = LISTS[method];
  const items: unknown[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    let result: Record<string, unknown>;
    try {
      result = (await client.request({ method, params: cursor === undefined ? {} : { cursor } }, schema, { signal, timeout: timeoutMs })) as Record<string, unknown>;
    } catch (error) {
      if (page === 0 && error instanceof McpError && error.code === ErrorCode.MethodNotFound) return [];
      throw error;
    }
    items.push(...((result[field] as unknown[] | undefined) ?? []));
    cursor = typeof result.nextCursor === 'string' ? result.nextCursor : undefined;
    if (cursor === undefined || seen.has(cursor)) return items; // a repeated cursor would loop forever
    seen.add(cursor);
  }
  return items;
}

/**
 * What an initialised client's server offers. Lists are asked for only when the server
 * declared the capability: asking anyway is a protocol error some servers answer badly.
 */
export async function discoverCatalog(client: Client, signal: AbortSignal, timeoutMs: number): Promise<Catalog> {
  const capabilities = client.getServerCapabilities() ?? {};
  const list = (method: ListMethod, offered: unknown) => (offered ? listAll(client, method, signal, timeoutMs) : Promise.resolve([]));
  const [tools, resources, resourceTemplates, prompts] = await Promise.all([
    list('tools/list', capabilities.tools),
    list('resources/list', capabilities.resources),
    list('resources/templates/list', capabilities.resources),
    list('prompts/list', capabilities.prompts),
  ]);
  const serverInfo = client.getServerVersion();
  const instructions = client.getInstructions();
  // Parsed with the contract: a malformed catalog fails here, naming the field, not in the registry later.
  return Catalog.parse({
    tools,
    resources,
    resourceTemplates,
    prompts,
    ...(serverInfo ? { serverInfo } : {}),
    ...(instructions !== undefined ? { instructions } : {}),
  });
}

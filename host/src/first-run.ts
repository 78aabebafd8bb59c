import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { issueAdminToken } from '@persona-gateway/access';
import { RegisterGatewayV1, SavePersonaV1 } from '@persona-gateway/contracts';
import { freePort } from '@persona-gateway/eventstore';
import type { Logger, Runtime } from '@persona-gateway/platform';
import { gatewaySecretContext } from '@persona-gateway/secrets';
import { binOf, startEverything, type DemoServer } from './demo-servers.js';

export const ADMIN_TOKEN_FILE = 'admin-token';
const DEMO_FILE = 'demo.json';

/** Tools of the bundled demo persona: a few of each demo server's. */
export const DEMO_TOOLS = [
  { gateway: 'Everything', tool: 'echo' },
  { gateway: 'Everything', tool: 'get-sum' },
  { gateway: 'Everything', tool: 'trigger-long-running-operation' },
  { gateway: 'Memory', tool: 'create_entities' },
  { gateway: 'Memory', tool: 'read_graph' },
  { gateway: 'Memory', tool: 'search_nodes' },
];

/** On an empty database: the admin token, written to DATA_DIR/admin-token (0600). */
export async function issueFirstAdminToken(runtime: Runtime, logger: Logger): Promise<void> {
  const token = await issueAdminToken(runtime.store, 'system', { onlyIfNone: true });
  if (!token) return;
  const path = join(runtime.config.dataDir, ADMIN_TOKEN_FILE);
  await writeFile(path, `${token}\n`, { mode: 0o600 });
  logger.log(`admin token for the API written to ${path} (shown nowhere else)`);
}

/**
 * The demo: server-everything (Streamable HTTP, loopback) and server-memory (stdio) as
 * gateways, and an open `demo` persona with a few of their tools. Set up on the first
 * start of an empty database; on later starts only server-everything is started again.
 */
export async function startDemo(runtime: Runtime, logger: Logger, options: { firstRun: boolean }): Promise<DemoServer | undefined> {
  const file = join(runtime.config.dataDir, DEMO_FILE);
  let port: number | undefined = JSON.parse(await readFile(file, 'utf8').catch(() => 'null'))?.everythingPort;
  if (!options.firstRun && port === undefined) return undefined;
  port ??= await freePort();
  let everything: DemoServer;
  try {
    everything = await startEverything(port);
  } catch (error) {
    logger.warn(`demo: ${error instanceof Error ? error.message : String(error)}; the demo persona's Everything tools are unavailable`);
    return undefined;
  }
  if (!options.firstRun) return everything;
  try {
    await writeFile(file, JSON.stringify({ everythingPort: port }), { mode: 0o600 });
    const register = (name: string, description: string, transport: Parameters<typeof runtime.bus.request<typeof RegisterGatewayV1>>[1]['transport']) =>
      runtime.bus.request(RegisterGatewayV1, { name, description, transport, actor: 'system' }, { timeoutMs: 60_000 });
    await register('Everything', 'Demo: the MCP reference server "everything"', { type: 'streamable-http', url: everything.url, headers: {} });
    const memoryFile: Record<string, string> = runtime.secrets.available ? { MEMORY_FILE_PATH: runtime.secrets.seal(join(runtime.config.dataDir, 'demo-memory.jsonl'), gatewaySecretContext('Memory')) } : {};
    await register('Memory', 'Demo: the MCP reference knowledge-graph memory server, over stdio', {
      type: 'stdio',
      command: process.execPath,
      args: [binOf('@modelcontextprotocol/server-memory', 'mcp-server-memory')],
      env: memoryFile,
    });
    const saved = await runtime.bus.request(SavePersonaV1, {
      slug: 'demo',
      name: 'Demo',
      description: 'A demo persona: tools from the bundled everything and memory servers',
      prefixMode: 'always',
      open: true,
      auth: { nonInteractive: false },
      tools: DEMO_TOOLS,
      deploy: true,
      actor: 'system',
    });
    await runtime.follower.waitFor(saved.position);
    logger.log(`demo persona ready: ${runtime.config.publicUrl}/personas/demo/mcp (open on loopback; --no-demo to skip)`);
  } catch (error) {
    logger.warn(`demo set-up failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return everything;
}

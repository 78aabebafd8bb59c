import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

export const PAGES = 3;
export const TOOLS_PER_PAGE = 4;

/**
 * A stateless Streamable HTTP server (no session ids) built on the SDK's low-level
 * Server: it pages tools/list, and declares prompts without answering prompts/list.
 */
export async function startPagedServer(): Promise<{ url: string; close(): Promise<void> }> {
  const http = createServer((req, res) => {
    const server = new Server({ name: 'paged-server', version: '1.0.0' }, { capabilities: { tools: {}, prompts: {} } });
    server.setRequestHandler(ListToolsRequestSchema, (request) => {
      const page = Number(request.params?.cursor ?? 0);
      const tools = Array.from({ length: TOOLS_PER_PAGE }, (_, i) => ({ name: `tool-${page}-${i}`, inputSchema: { type: 'object' as const } }));
      return page + 1 < PAGES ? { tools, nextCursor: String(page + 1) } : { tools };
    });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => void server.close());
    void server
      .connect(transport)
      .then(() => transport.handleRequest(req, res))
      .catch((error: unknown) => res.headersSent || res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    close: async () => {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ElicitResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** A Streamable HTTP POST's JSON-RPC message, parsed. */
  readonly body?: Record<string, unknown>;
}

export interface RecordingServer {
  /** Streamable HTTP endpoint. */
  readonly url: string;
  /** Legacy HTTP+SSE endpoint. */
  readonly sseUrl: string;
  readonly requests: RecordedRequest[];
  /** The Streamable HTTP POSTs carrying `method` (tools/call, notifications/cancelled...). */
  posted(method: string): RecordedRequest[];
  /** Forgets every session, as a restarted server would; later requests for them get 404. */
  forget(): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RecordingServerOptions {
  /** Answer POSTs with plain JSON bodies rather than event streams. */
  readonly json?: boolean;
  /** Offer `logging` (the gateway then sets the level on connect: one more POST per session). */
  readonly logging?: boolean;
}

function mcpServer(options: RecordingServerOptions): McpServer {
  const server = new McpServer({ name: 'recording-server', version: '1.0.0' }, { capabilities: options.logging ? { logging: {} } : {} });
  server.registerTool('whoami', { description: 'Says hello' }, async () => ({ content: [{ type: 'text', text: 'hello from the recording server' }] }));
  server.registerTool('wait', { description: 'Answers after `ms` milliseconds', inputSchema: { ms: z.number() } }, async ({ ms }) => {
    await sleep(ms);
    return { content: [{ type: 'text', text: `waited ${ms} ms` }] };
  });
  // relatedRequestId puts the request and the log message on the tools/call's own stream.
  server.registerTool('ask-later', { description: 'Asks the client for a name after `ms` milliseconds', inputSchema: { ms: z.number() } }, async ({ ms }, extra) => {
    await sleep(ms);
    const answer = await extra.sendRequest({ method: 'elicitation/create', params: { mode: 'form', message: 'Your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } } } } }, ElicitResultSchema);
    return { content: [{ type: 'text', text: `answered: ${String(answer.content?.name ?? answer.action)}` }] };
  });
  if (options.logging) server.registerTool('log-later', { description: 'Logs `text` after `ms` milliseconds', inputSchema: { ms: z.number(), text: z.string() } }, async ({ ms, text }, extra) => {
    await sleep(ms);
    await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', data: text } });
    return { content: [{ type: 'text', text: 'logged' }] };
  });
  return server;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : undefined;
}

/**
 * A small MCP server built with the SDK, on loopback, that records every HTTP request (and
 * every Streamable HTTP POST's message). Unlike server-everything it answers an unknown
 * session id with 404, as the Streamable HTTP specification says.
 */
export async function startRecordingServer(options: RecordingServerOptions = {}): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const sessions = new Map<string, Transport>();
  const http: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    void (async () => {
      if (url.pathname === '/sse' && req.method === 'GET') {
        requests.push({ method: req.method, path: url.pathname, headers: req.headers });
        const transport = new SSEServerTransport('/messages', res);
        sessions.set(transport.sessionId, transport);
        await mcpServer(options).connect(transport);
        return;
      }
      if (url.pathname === '/messages' && req.method === 'POST') {
        requests.push({ method: req.method, path: url.pathname, headers: req.headers });
        const transport = sessions.get(url.searchParams.get('sessionId') ?? '');
        if (transport instanceof SSEServerTransport) return transport.handlePostMessage(req, res);
        res.writeHead(404).end();
        return;
      }
      const body = req.method === 'POST' ? await readJson(req) : undefined;
      requests.push({ method: req.method ?? '', path: url.pathname, headers: req.headers, body });
      const sessionId = req.headers['mcp-session-id'];
      if (typeof sessionId === 'string') {
        const transport = sessions.get(sessionId);
        if (transport instanceof StreamableHTTPServerTransport) return transport.handleRequest(req, res, body);
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }));
        return;
      }
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: options.json === true,
        onsessioninitialized: (id) => void sessions.set(id, transport),
      });
      await mcpServer(options).connect(transport);
      await transport.handleRequest(req, res, body);
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  const forget = async () => {
    const open = [...sessions.values()];
    sessions.clear();
    await Promise.all(open.map((transport) => transport.close().catch(() => undefined)));
  };
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    sseUrl: `http://127.0.0.1:${port}/sse`,
    requests,
    posted: (method) => requests.filter((request) => request.body?.method === method),
    forget,
    close: async () => {
      await forget();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { RecordedRequest } from './recording-server.js';

export interface RawServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** The POSTs carrying `method`. */
  posted(method: string): RecordedRequest[];
  /** The connections that carried a tools/call. */
  readonly toolSockets: Set<Socket>;
  /** Ids of the tools/call requests the client ended before they were answered. */
  readonly abandoned: unknown[];
  close(): Promise<void>;
}

type Message = { id?: unknown; method?: string; params?: { name?: string; arguments?: Record<string, unknown>; _meta?: { progressToken?: unknown } } };
type Respond = (message: Message, res: ServerResponse, path: string) => void;

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  void res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
const answer = (message: Message, result: unknown) => ({ jsonrpc: '2.0', id: message.id, result });
const text = (value: string) => ({ content: [{ type: 'text', text: value }] });
const event = (message: unknown) => `event: message\r\ndata: ${JSON.stringify(message)}\r\n\r\n`;

/** What each tool does: everything a server built with the SDK would not. */
const TOOLS: Record<string, Respond> = {
  'plain-json': (message, res) => json(res, 200, answer(message, { ...text('plain'), _meta: { kept: true }, extra: 'passed through' })),
  'no-content': (message, res) => json(res, 200, answer(message, { structuredContent: { n: 1 } })),
  'rpc-error': (message, res) => json(res, 200, { jsonrpc: '2.0', id: message.id, error: { code: -32602, message: 'No such widget', data: { widget: 7 } } }),
  malformed: (message, res) => json(res, 200, answer(message, { content: 'not a list' })),
  accepted: (_message, res) => void res.writeHead(202).end(),
  broken: (_message, res) => void res.writeHead(500, { 'content-type': 'text/plain' }).end('boom'),
  unanswered: (_message, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(event({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'no answer follows' } }));
  },
  // An event stream cut at awkward places: a comment, CRLF line ends, a line split across writes.
  chunked: (message, res) => {
    const progressToken = message.params?._meta?.progressToken;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': keep-alive\r\n\r\n');
    if (progressToken !== undefined) res.write(event({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken, progress: 1, total: 2 } }));
    const last = event(answer(message, text('streamed in pieces')));
    res.write(last.slice(0, 20));
    setTimeout(() => res.end(last.slice(20)), 20);
  },
  silent: () => undefined,
  moved: (message, res, path) => (path === '/mcp/moved' ? json(res, 200, answer(message, text('answered at /mcp/moved'))) : void res.writeHead(307, { location: '/mcp/moved' }).end()),
  away: (message, res) => void res.writeHead(307, { location: String(message.params?.arguments?.to) }).end(),
};

/**
 * A Streamable HTTP MCP server written by hand (node:http, no SDK) for what a server built
 * with the SDK never does: malformed results, JSON-RPC errors from tools/call, a 202 or an
 * event stream that ends unanswered, HTTP errors, redirects, silence. The tool called
 * decides (see TOOLS). Records every request; offers tools only, so a session costs two POSTs.
 */
export async function startRawServer(): Promise<RawServer> {
  const requests: RecordedRequest[] = [];
  const toolSockets = new Set<Socket>();
  const abandoned: unknown[] = [];
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (req.method !== 'POST') {
      requests.push({ method: req.method ?? '', path, headers: req.headers });
      return void res.writeHead(req.method === 'GET' ? 405 : 200).end();
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Message;
    requests.push({ method: 'POST', path, headers: req.headers, body: message as Record<string, unknown> });
    if (message.method === 'initialize') {
      const result = { protocolVersion: (message.params as Record<string, unknown>).protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'raw-server', version: '1.0.0' } };
      return json(res, 200, answer(message, result), { 'mcp-session-id': 'raw-session' });
    }
    if (message.id === undefined) return void res.writeHead(202).end();
    if (message.method !== 'tools/call') return json(res, 200, answer(message, {}));
    toolSockets.add(req.socket);
    res.on('close', () => {
      if (!res.writableEnded) abandoned.push(message.id);
    });
    const tool = TOOLS[message.params?.name ?? ''];
    if (tool) return tool(message, res, path);
    json(res, 200, { jsonrpc: '2.0', id: message.id, error: { code: -32602, message: 'Unknown tool' } });
  };
  const http = createServer((req, res) => void handle(req, res).catch((error: unknown) => res.headersSent || res.writeHead(500).end(String(error))));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    requests,
    posted: (method) => requests.filter((request) => request.body?.method === method),
    toolSockets,
    abandoned,
    close: async () => {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

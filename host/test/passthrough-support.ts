import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

// What the passthrough suites (embedded and distributed) share: a downstream that shows the
// headers it received, and JWT signing keys.
export const ISSUER = 'https://issuer.example';
export const AUDIENCE = 'persona-gateway';
export const TOOLS = [{ gateway: 'Echo', tool: 'headers' }];

/** Headers any HTTP client sends by itself: everything else a downstream sees must be forwarded on purpose. */
export const TRANSPORT_HEADERS = new Set(['host', 'connection', 'content-type', 'content-length', 'accept', 'accept-encoding', 'accept-language', 'user-agent', 'sec-fetch-mode', 'mcp-session-id', 'mcp-protocol-version']);

export function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

/** A Streamable HTTP MCP server whose one tool answers with the headers of the request that called it, and its session id. */
export async function startHeaderEcho() {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  return listen(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
    const sessionId = req.headers['mcp-session-id'];
    let transport = typeof sessionId === 'string' ? transports.get(sessionId) : undefined;
    if (!transport) {
      if (sessionId !== undefined || req.method !== 'POST') return void res.writeHead(404).end();
      const created = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), onsessioninitialized: (id) => void transports.set(id, created) });
      const mcp = new McpServer({ name: 'header-echo', version: '1.0.0' });
      mcp.registerTool('headers', { description: 'The headers this request arrived with' }, async (extra) => ({
        content: [{ type: 'text', text: JSON.stringify({ sessionId: extra.sessionId, headers: extra.requestInfo?.headers ?? {} }) }],
      }));
      await mcp.connect(created);
      transport = created;
    }
    await transport.handleRequest(req, res, body);
  });
}

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
}

export async function signingKey(kid: string, alg = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

export const now = () => Math.floor(Date.now() / 1000);

export function token(key: SigningKey, options: { sub?: string; iss?: string; aud?: string; exp?: number; nbf?: number; kid?: string; alg?: string } = {}): Promise<string> {
  const jwt = new SignJWT({})
    .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: options.kid ?? key.kid })
    .setSubject(options.sub ?? 'alice')
    .setIssuer(options.iss ?? ISSUER)
    .setAudience(options.aud ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.exp ?? now() + 300);
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  return jwt.sign(key.privateKey);
}


/** Calls the echo tool at `endpoint` as a fresh MCP client with these headers: what the downstream received. */
export async function echoedHeaders(endpoint: string, headers: Record<string, string>): Promise<{ sessionId: string; headers: Record<string, string> }> {
  const client = new Client({ name: 'passthrough-e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(endpoint), { requestInit: { headers } }));
  try {
    const result = await client.callTool({ name: 'Echo_headers', arguments: {} });
    return JSON.parse((result.content as Array<{ text: string }>)[0]!.text);
  } finally {
    await client.close();
  }
}

/** The headers a downstream saw beyond what any HTTP client sends by itself. */
export const extraHeaders = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).filter(([name]) => !TRANSPORT_HEADERS.has(name)));

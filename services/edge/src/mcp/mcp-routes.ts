import type { IncomingMessage, ServerResponse } from 'node:http';
import { refuse } from './errors.js';
import type { McpHttpReply } from './http-exchange.js';
import type { McpEndpoint } from './mcp-endpoint.js';
import { ServerResponseSink, SSE_HEADERS } from './sse.js';

/** `/personas/<slug>/mcp`; the slug as sent (percent-encoded or not), without a query string. */
export const MCP_PATH = /^\/personas\/([^/]+)\/mcp$/;

/**
 * The persona endpoint on Node's HTTP server, with no framework in between: it is the
 * product's hot path, and the endpoint needs nothing of one. It reads the body as text up
 * to `bodyLimit` (so malformed JSON is answered with JSON-RPC -32700 and a wrong
 * Content-Type with 415, by the endpoint), lets the endpoint decide, and writes the reply.
 * Every method reaches the endpoint, which answers 405 for the ones MCP does not use.
 */
export function mcpHttpHandler(endpoint: McpEndpoint, bodyLimit: number) {
  return (request: IncomingMessage, response: ServerResponse, match: RegExpExecArray): void => {
    const slug = decodeSlug(match[1]!);
    const declared = Number(request.headers['content-length']);
    if (declared > bodyLimit) return send(response, endpoint.answerTransportError(refuse.bodyTooLarge(), request));
    if (!hasBody(request)) return answer(endpoint, request, response, slug, undefined);
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > bodyLimit) {
        // The rest flows on unread, as Node reads what a request leaves before the next one.
        request.removeAllListeners('data').removeAllListeners('end');
        send(response, endpoint.answerTransportError(refuse.bodyTooLarge(), request));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => answer(endpoint, request, response, slug, (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8')));
    // A client that goes away mid-body gets no answer; Node closes the socket.
    request.on('error', () => response.destroy());
  };
}

function answer(endpoint: McpEndpoint, request: IncomingMessage, response: ServerResponse, slug: string, body: string | undefined): void {
  endpoint.handle({ method: request.method ?? 'GET', slug, headers: request.headers, body }).then(
    (reply) => send(response, reply),
    // handle() answers every failure itself; this is the last resort.
    () => send(response, endpoint.answerTransportError(refuse.internal(), request)),
  );
}

function send(response: ServerResponse, reply: McpHttpReply): void {
  if (response.headersSent || response.destroyed) return;
  if (reply.kind === 'stream') {
    response.writeHead(200, { ...SSE_HEADERS, ...reply.headers });
    response.flushHeaders();
    reply.connect(new ServerResponseSink(response));
    return;
  }
  if (reply.kind === 'empty') {
    response.writeHead(reply.status, reply.headers).end();
    return;
  }
  const { body } = reply;
  if (typeof body === 'string') {
    response.writeHead(reply.status, { ...reply.headers, 'content-length': Buffer.byteLength(body) }).end(body);
    return;
  }
  let length = 0;
  for (const piece of body) length += piece.length;
  response.writeHead(reply.status, { ...reply.headers, 'content-length': length });
  // One write of all the pieces (with the head), not one per piece: end() uncorks.
  response.cork();
  for (const piece of body) response.write(piece);
  response.end();
}

/** As a request without Content-Length or Transfer-Encoding has none (RFC 9112, 6.3). */
function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Percent-decoded, as a router would; a malformed escape stays as sent and names no persona. */
function decodeSlug(raw: string): string {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { refusalFromHttpError } from './errors.js';
import type { McpHttpReply } from './http-exchange.js';
import type { McpEndpoint } from './mcp-endpoint.js';
import { ServerResponseSink, SSE_HEADERS } from './sse.js';

export const MCP_PATH = '/personas/:slug/mcp';

// Every method reaches the endpoint, which answers 405 for the ones MCP does not use.
const METHODS = ['GET', 'POST', 'DELETE', 'OPTIONS', 'PUT', 'PATCH', 'HEAD'];

/**
 * The persona endpoint as a Fastify plugin. It is a plugin rather than a Nest controller
 * because it must own its body parsing: in its own encapsulation context it reads the
 * body as text (up to the app's bodyLimit), so malformed JSON is answered with JSON-RPC
 * -32700, and a wrong Content-Type with 415, instead of the app-wide parser's errors.
 * It stays thin: translate the request, let the endpoint decide, write the reply.
 */
export function mcpRoutes(endpoint: McpEndpoint) {
  return async function personaMcpRoutes(scope: FastifyInstance): Promise<void> {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    // Errors raised before the handler runs: body over the limit, unreadable Content-Type.
    scope.setErrorHandler((error, request, reply) => send(reply, endpoint.answerTransportError(refusalFromHttpError(error), request)));
    scope.route({
      method: METHODS,
      url: MCP_PATH,
      // A HEAD must not open an SSE stream it can never read.
      exposeHeadRoute: false,
      handler: async (request: FastifyRequest<{ Params: { slug: string } }>, reply) =>
        send(
          reply,
          await endpoint.handle({
            method: request.method,
            slug: request.params.slug,
            headers: request.headers,
            body: typeof request.body === 'string' ? request.body : undefined,
          }),
        ),
    });
  };
}

function send(reply: FastifyReply, result: McpHttpReply): FastifyReply {
  if (result.kind === 'stream') {
    // SSE is written to Node's response directly; Fastify steps aside for this request.
    reply.hijack();
    reply.raw.writeHead(200, { ...SSE_HEADERS, ...result.headers });
    reply.raw.flushHeaders();
    result.connect(new ServerResponseSink(reply.raw));
    return reply;
  }
  reply.code(result.status).headers(result.headers);
  return result.kind === 'json' ? reply.send(result.body) : reply.send();
}

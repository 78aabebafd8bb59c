import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { FastifyAdapter } from '@nestjs/platform-fastify';

export const DEFAULT_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

/** Answers a request on a claimed path; `match` is the path's match against the route's pattern. */
export type RawHttpHandler = (request: IncomingMessage, response: ServerResponse, match: RegExpExecArray) => void;

/**
 * Paths the HTTP server answers itself, ahead of Fastify: a claimed path never reaches
 * Fastify's routing, hooks or reply. It is meant for the one endpoint whose per-request
 * cost is the product's hot path, the persona MCP endpoint, which is free of the framework
 * anyway (it takes the raw request and answers with a plain description of the reply).
 * Everything else stays a Nest controller.
 */
export class RawHttpRoutes {
  private readonly routes: Array<{ readonly pattern: RegExp; readonly handler: RawHttpHandler }> = [];

  /** `pattern` is matched against the path without its query string. */
  claim(pattern: RegExp, handler: RawHttpHandler): void {
    this.routes.push({ pattern, handler });
  }

  /** Answers the request if a route claims its path; false leaves it to the framework. */
  dispatch(request: IncomingMessage, response: ServerResponse): boolean {
    if (this.routes.length === 0) return false;
    const url = request.url ?? '';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    for (const route of this.routes) {
      const match = route.pattern.exec(path);
      if (match) {
        route.handler(request, response, match);
        return true;
      }
    }
    return false;
  }
}

interface ServerOptions {
  readonly http?: object;
  readonly keepAliveTimeout?: number;
  readonly requestTimeout?: number;
  readonly connectionTimeout?: number;
  readonly maxRequestsPerSocket?: number;
}

/**
 * The Fastify adapter every app of ours runs on: the raw routes first, Fastify for the
 * rest, with the server timeouts Fastify itself would set. (With a server of our own,
 * Fastify binds one address only: HOST=localhost listens on the first address it resolves to.)
 */
export function createHttpAdapter(routes: RawHttpRoutes, bodyLimit = DEFAULT_BODY_LIMIT_BYTES): FastifyAdapter {
  const serverFactory = (fastify: RequestListener, options: ServerOptions): Server => {
    const server = createServer(options.http ?? {}, (request, response) => {
      if (!routes.dispatch(request, response)) fastify(request, response);
    });
    if (options.keepAliveTimeout !== undefined) server.keepAliveTimeout = options.keepAliveTimeout;
    if (options.requestTimeout !== undefined) server.requestTimeout = options.requestTimeout;
    if (options.connectionTimeout !== undefined) server.setTimeout(options.connectionTimeout);
    if (options.maxRequestsPerSocket !== undefined && options.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = options.maxRequestsPerSocket;
    return server;
  };
  return new FastifyAdapter({ bodyLimit, serverFactory: serverFactory as never });
}

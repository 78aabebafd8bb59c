import type { SecretBox } from '@persona-gateway/secrets';

export const SERVER_REQUEST_CONTEXT = 'mcp-server-request';

/** Where a client's answer to a forwarded server request must go, and whose it is. */
export interface ServerRequestRoute {
  /** The session-service replica waiting for the answer. */
  readonly sessionInstance: string;
  readonly requestKey: string;
  /** The client session the request was put to: nobody else may answer it. */
  readonly session: string;
}

/**
 * The JSON-RPC id of a server-to-client request is its route, sealed (AES-256-GCM): the
 * client's answer may be POSTed to any edge replica, which opens the id and publishes the
 * answer without having to remember anything. A client cannot forge or redirect one.
 */
export class ServerRequestIds {
  constructor(private readonly box: SecretBox) {}

  issue(route: ServerRequestRoute): string {
    return this.box.seal(JSON.stringify({ i: route.sessionInstance, k: route.requestKey, s: route.session }), SERVER_REQUEST_CONTEXT);
  }

  /** The route, or undefined for an id that is not one of ours. */
  open(id: string | number): ServerRequestRoute | undefined {
    if (typeof id !== 'string') return undefined;
    try {
      const { i, k, s } = JSON.parse(this.box.open(id, SERVER_REQUEST_CONTEXT)) as Record<string, unknown>;
      if (typeof i !== 'string' || typeof k !== 'string' || typeof s !== 'string') return undefined;
      return { sessionInstance: i, requestKey: k, session: s };
    } catch {
      return undefined;
    }
  }
}

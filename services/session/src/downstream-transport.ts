import { setMaxListeners } from 'node:events';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike, Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { GatewayTransport } from '@persona-gateway/contracts';
import { gatewaySecretContext, type SecretBox } from '@persona-gateway/secrets';
import { DirectPost } from './direct-post.js';
import { StderrTail } from './stderr-tail.js';

/** An SDK transport for one downstream, with what is needed to clean up after it. */
export interface DownstreamTransport {
  readonly transport: Transport;
  readonly kind: GatewayTransport['type'];
  /** The spawned process (stdio only), once started. */
  pid(): number | null;
  /** Last words of a stdio server (empty for HTTP), secrets blanked. */
  stderr(): string;
  /** The session id the downstream assigned (Streamable HTTP only). */
  sessionId(): string | undefined;
  /** Asks the downstream to end the session (Streamable HTTP DELETE); call after closing the transport. */
  terminate(): Promise<void>;
  /** Streamable HTTP only: POSTs on the transport's session without the SDK, for tools/call. */
  readonly direct?: DirectPost;
}

/** Never wait long for the courtesy of ending a session downstream. */
const TERMINATE_TIMEOUT_MS = 1_000;

const nothing = async () => undefined;

/**
 * The SDK transports' fetch. The SDK gives all of a session's requests one abort signal, and
 * fetch hangs a listener on it per request that only garbage collection takes off again. On a
 * busy session more than 1,500 pile up between collections, and Node then warns of a "possible
 * EventTarget memory leak" on every request: a false alarm in the operator's log. The limit is
 * lifted on those signals alone (the listeners still go with each collection).
 */
const sessionFetch: FetchLike = (url, init) => {
  if (init?.signal) setMaxListeners(0, init.signal);
  return fetch(url, init);
};

/** The caller's forwarded headers win over the gateway's own of the same name (compared case-insensitively). */
function withForwarded(own: Record<string, string>, forwarded: Readonly<Record<string, string>> | undefined): Record<string, string> {
  if (!forwarded) return own;
  const replaced = new Set(Object.keys(forwarded).map((name) => name.toLowerCase()));
  return { ...Object.fromEntries(Object.entries(own).filter(([name]) => !replaced.has(name.toLowerCase()))), ...forwarded };
}

/**
 * Sealed header and environment values are opened here and nowhere else: the plaintext
 * lives only inside the transport. A passthrough caller's `forwarded` headers (already
 * opened) go on every HTTP request of this session; stdio gets none. Throws SecretError (no value in its message) when a
 * value was sealed for another gateway or with another key.
 */
export function createDownstreamTransport(gateway: string, connection: GatewayTransport, secrets: SecretBox, forwarded?: Readonly<Record<string, string>>): DownstreamTransport {
  const context = gatewaySecretContext(gateway);
  switch (connection.type) {
    case 'streamable-http': {
      const headers = withForwarded(secrets.openAll(connection.headers, context), forwarded);
      const url = new URL(connection.url);
      const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers }, fetch: sessionFetch });
      // Sent by hand, after close: the SDK's terminateSession runs while the transport is
      // open, and the streams the server then ends make the SDK schedule reconnections.
      const terminate = async () => {
        const sessionId = transport.sessionId;
        if (!sessionId) return;
        const sessionHeaders: Record<string, string> = { ...headers, 'mcp-session-id': sessionId };
        if (transport.protocolVersion) sessionHeaders['mcp-protocol-version'] = transport.protocolVersion;
        await fetch(connection.url, {
          method: 'DELETE',
          headers: sessionHeaders,
          redirect: 'manual', // never follow a redirect carrying the gateway's credentials
          signal: AbortSignal.timeout(TERMINATE_TIMEOUT_MS),
        })
          .then((response) => response.body?.cancel())
          .catch(() => undefined);
      };
      const direct = new DirectPost(url, headers, transport);
      return { transport, kind: connection.type, pid: () => null, stderr: () => '', sessionId: () => transport.sessionId, terminate, direct };
    }
    case 'sse': {
      // The SDK applies requestInit headers to the event stream's GET as well as to every POST.
      const transport = new SSEClientTransport(new URL(connection.url), { requestInit: { headers: withForwarded(secrets.openAll(connection.headers, context), forwarded) }, fetch: sessionFetch });
      return { transport, kind: connection.type, pid: () => null, stderr: () => '', sessionId: () => undefined, terminate: nothing };
    }
    case 'stdio': {
      const env = secrets.openAll(connection.env, context);
      // Only the SDK's short list of safe variables is inherited: never the gateway's own ENCRYPTION_KEY or DATABASE_URL.
      const transport = new StdioClientTransport({
        command: connection.command,
        args: connection.args,
        env: { ...getDefaultEnvironment(), ...env },
        cwd: connection.cwd,
        stderr: 'pipe',
      });
      const tail = new StderrTail();
      tail.attach(transport.stderr);
      const secretValues = Object.values(env);
      return { transport, kind: connection.type, pid: () => transport.pid, stderr: () => tail.text(secretValues), sessionId: () => undefined, terminate: nothing };
    }
  }
}

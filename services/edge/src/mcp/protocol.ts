/**
 * MCP revisions this endpoint speaks, newest first. 2024-10-07 (which the SDK still lists)
 * is left out: no client in the field negotiates it any more.
 */
export const LATEST_PROTOCOL_VERSION = '2025-11-25';
export const SUPPORTED_PROTOCOL_VERSIONS: readonly string[] = [LATEST_PROTOCOL_VERSION, '2025-06-18', '2025-03-26', '2024-11-05'];

/** Header names as Node presents them (lower case). */
export const SESSION_ID_HEADER = 'mcp-session-id';
export const PROTOCOL_VERSION_HEADER = 'mcp-protocol-version';
export const LAST_EVENT_ID_HEADER = 'last-event-id';

/**
 * What every persona offers. The lists can change while a client is connected (a tool
 * selected, a gateway rediscovered), so all three announce list_changed. `completions`
 * and resource subscriptions are forwarded to the downstream server that owns the prompt or
 * resource. `logging`: downstream log messages sent during a call reach the caller on the
 * call's stream, filtered by the level the client set.
 */
export const SERVER_CAPABILITIES = Object.freeze({
  tools: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  prompts: { listChanged: true },
  completions: {},
  logging: {},
});

export function isSupportedProtocolVersion(version: string): boolean {
  return SUPPORTED_PROTOCOL_VERSIONS.includes(version);
}

/** The client's revision when we speak it, else our latest: the client then decides whether to go on. */
export function negotiateProtocolVersion(requested: string): string {
  return isSupportedProtocolVersion(requested) ? requested : LATEST_PROTOCOL_VERSION;
}

/**
 * Priming events (an id with empty data) arrived in 2025-11-25; older clients try to
 * parse the empty data as JSON and fail. Revision names are dates, so they sort as strings.
 */
export function supportsPrimingEvents(version: string): boolean {
  return version >= '2025-11-25';
}

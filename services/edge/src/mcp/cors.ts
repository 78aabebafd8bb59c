/**
 * CORS for browser-based MCP clients on an allowed origin (the origin check has already
 * passed when these are added). Clients must be able to read Mcp-Session-Id, and the
 * WWW-Authenticate challenge that starts their authorization flow.
 */
export function corsHeaders(origin: string | undefined): Record<string, string> {
  if (origin === undefined) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-expose-headers': 'Mcp-Session-Id, WWW-Authenticate',
    vary: 'Origin',
  };
}

const PREFLIGHT_MAX_AGE_S = 600;

export function preflightHeaders(origin: string | undefined): Record<string, string> {
  return {
    ...corsHeaders(origin),
    'access-control-allow-methods': 'GET, POST, DELETE',
    'access-control-allow-headers': 'Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID',
    'access-control-max-age': String(PREFLIGHT_MAX_AGE_S),
  };
}

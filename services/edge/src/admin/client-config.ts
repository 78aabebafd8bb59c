/** The placeholder a client config carries where the key goes (the key itself is shown once, at creation). */
export const KEY_PLACEHOLDER = '<api key>';

/**
 * Ready-to-paste MCP client configuration for a persona endpoint. Cursor speaks
 * Streamable HTTP with headers itself; Claude Desktop's config file launches local
 * processes only, so it goes through `mcp-remote`, with the key kept in an env var.
 */
export function clientConfig(client: 'claude-desktop' | 'cursor', mode: 'api-key' | 'open', slug: string, url: string, key = KEY_PLACEHOLDER) {
  const authorization = `Bearer ${key}`;
  if (client === 'cursor') {
    return { mcpServers: { [slug]: mode === 'api-key' ? { url, headers: { Authorization: authorization } } : { url } } };
  }
  return {
    mcpServers: {
      [slug]:
        mode === 'api-key'
          ? { command: 'npx', args: ['-y', 'mcp-remote', url, '--header', 'Authorization:${AUTH_HEADER}'], env: { AUTH_HEADER: authorization } }
          : { command: 'npx', args: ['-y', 'mcp-remote', url] },
    },
  };
}

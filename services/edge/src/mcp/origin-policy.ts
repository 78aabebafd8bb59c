const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Which browser origins may call persona endpoints. The spec requires checking Origin
 * against DNS rebinding: a page on evil.example that resolves its name to 127.0.0.1 must
 * not reach a gateway on loopback. Allowed: the gateway's own public origin, loopback on
 * any port (local tools such as the MCP Inspector), and ALLOWED_ORIGINS. A request
 * without Origin is not from a browser and is allowed; `Origin: null` (sandboxed frames,
 * file: pages) is refused.
 */
export class OriginPolicy {
  private readonly allowed: ReadonlySet<string>;

  constructor(publicUrl: string, allowedOrigins: readonly string[]) {
    const origins = new Set<string>([new URL(publicUrl).origin]);
    for (const origin of allowedOrigins) {
      const parsed = parseOrigin(origin);
      if (!parsed) throw new TypeError(`ALLOWED_ORIGINS: "${origin}" is not an origin such as https://app.example.com`);
      origins.add(parsed.origin);
    }
    this.allowed = origins;
  }

  allows(origin: string | undefined): boolean {
    if (origin === undefined) return true;
    const parsed = parseOrigin(origin);
    if (!parsed) return false;
    if (this.allowed.has(parsed.origin)) return true;
    return LOOPBACK_HOSTS.has(parsed.hostname) && (parsed.protocol === 'http:' || parsed.protocol === 'https:');
  }
}

function parseOrigin(value: string): URL | undefined {
  try {
    const url = new URL(value);
    // An origin is scheme, host and port only; "null" and paths are not origins.
    return url.origin === 'null' ? undefined : url;
  } catch {
    return undefined;
  }
}

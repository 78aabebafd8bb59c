import type { GatewayState } from '@persona-gateway/catalog';
import type { PersonaAuth, ToolRef } from '@persona-gateway/contracts';
import { GatewayError } from './types.js';

/** Headers the gateway's own HTTP client owns: a caller's value would break the MCP exchange or the connection. */
const RESERVED = new Set([
  'accept',
  'connection',
  'content-length',
  'content-type',
  'host',
  'keep-alive',
  'last-event-id',
  'mcp-protocol-version',
  'mcp-session-id',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

const lower = (name: string) => name.toLowerCase();

/**
 * Refuses passthrough settings that cannot work or would be unsafe, with what to change.
 * Pure: no I/O (an unreachable JWKS URL is found at call time, and refused then: fail closed).
 */
export function checkPassthrough(auth: PersonaAuth): void {
  const passthrough = auth.passthrough;
  if (!passthrough) return;
  const invalid = (message: string) => new GatewayError('INVALID_ARGUMENT', `Passthrough: ${message}`);
  if (passthrough.headers.length === 0 && !passthrough.jwt) throw invalid('list at least one header to forward, or configure JWT validation');
  const seen = new Set<string>();
  const targets = new Set<string>();
  for (const header of passthrough.headers) {
    const name = lower(header.name);
    const target = lower(header.forwardAs ?? header.name);
    if (seen.has(name)) throw invalid(`header ${header.name} is listed twice`);
    if (targets.has(target)) throw invalid(`two headers would be forwarded as ${header.forwardAs ?? header.name}`);
    seen.add(name);
    targets.add(target);
    for (const reserved of [name, target]) {
      if (RESERVED.has(reserved)) throw invalid(`header ${reserved} cannot be forwarded (the gateway's MCP client sets it)`);
    }
  }
  const jwt = passthrough.jwt;
  if (!jwt) return;
  if ((jwt.jwksUrl === undefined) === (jwt.jwks === undefined)) throw invalid('JWT validation needs exactly one of jwksUrl (a JWKS URL) or jwks (an inline JWKS)');
  for (const [i, key] of (jwt.jwks?.keys ?? []).entries()) {
    if (key.kty === 'oct') throw invalid(`jwks.keys[${i}] is a symmetric key: only public keys (RSA, EC, OKP) are accepted`);
    if (!['RSA', 'EC', 'OKP'].includes(key.kty)) throw invalid(`jwks.keys[${i}] has an unsupported kty ${key.kty}`);
    if ('d' in key || 'p' in key || 'q' in key) throw invalid(`jwks.keys[${i}] is a private key: publish only the public part`);
  }
}

/**
 * What is saved but worth a second look: forwarding the client's Authorization header (MCP
 * forbids token passthrough, so only an explicit listing does it), and stdio gateways, which
 * get no headers at all.
 */
export function passthroughWarnings(auth: PersonaAuth, tools: readonly ToolRef[], gateways: ReadonlyMap<string, GatewayState>): string[] {
  const passthrough = auth.passthrough;
  if (!passthrough) return [];
  const warnings: string[] = [];
  const authorization = passthrough.headers.filter((h) => lower(h.name) === 'authorization');
  if (authorization.length > 0) {
    warnings.push(
      'Passthrough forwards the client\'s Authorization header to downstream servers: MCP forbids passing a client\'s token through to another service; forward it only if the downstream servers are meant to receive that very token',
    );
  }
  const stdio = [...new Set(tools.map((ref) => ref.gateway))].filter((name) => gateways.get(name)?.transport.type === 'stdio').sort();
  if (stdio.length > 0) warnings.push(`Passthrough headers are not forwarded to stdio gateways: ${stdio.join(', ')}`);
  return warnings;
}

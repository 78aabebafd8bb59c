import { createHash } from 'node:crypto';
import { bearerToken } from '@persona-gateway/access';
import type { PersonaView } from '@persona-gateway/catalog';
import { PASSTHROUGH_JWT_ALGORITHMS, sameContent, type PassthroughAuth, type PassthroughJwt, type Principal } from '@persona-gateway/contracts';
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
const ANONYMOUS_LABEL = 'anonymous passthrough';

export interface PassthroughOptions {
  /** A JWKS fetch taking longer fails (and the token is refused). */
  readonly jwksTimeoutMs: number;
  /** An unknown `kid` refetches the JWKS at most this often: made-up kids cannot hammer the issuer. */
  readonly jwksCooldownMs: number;
  /** Says which check refused a token; never the token or a forwarded value. */
  readonly log: { warn(message: string): void };
}

/** `absent`: the caller presented no passthrough credential at all (another mode may still let them in). */
export type PassthroughVerdict =
  | { readonly outcome: 'accepted'; readonly principal: Principal; readonly forwarded: Readonly<Record<string, string>> }
  | { readonly outcome: 'refused' }
  | { readonly outcome: 'absent' };

type Headers = Record<string, string | string[] | undefined>;

interface Verifier {
  readonly jwt: PassthroughJwt;
  readonly getKey: JWTVerifyGetKey;
}

const headerValue = (headers: Headers, name: string): string | undefined => {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
};

/**
 * Passthrough authentication: optionally validates a JWT (jose; keys from a JWKS URL,
 * cached and refetched on an unknown kid, or an inline JWKS), then picks the persona's
 * listed headers, renamed for the downstream where configured. One verifier per persona
 * configuration, rebuilt when the configuration changes. Fails closed: a JWKS that cannot
 * be fetched refuses the token.
 */
export class PassthroughAuthentication {
  private readonly verifiers = new Map<string, Verifier>();

  constructor(private readonly options: PassthroughOptions) {}

  async authenticate(persona: PersonaView, config: PassthroughAuth, headers: Headers): Promise<PassthroughVerdict> {
    const forwarded: Record<string, string> = {};
    for (const header of config.headers) {
      const value = headerValue(headers, header.name);
      if (value !== undefined) forwarded[header.forwardAs ?? header.name] = value;
    }
    if (config.jwt) {
      const token = this.token(config.jwt, headers);
      if (token === undefined) return { outcome: Object.keys(forwarded).length > 0 ? 'refused' : 'absent' };
      const subject = await this.verify(persona.slug, config.jwt, token);
      if (subject === undefined) return { outcome: 'refused' };
      return { outcome: 'accepted', principal: { id: `passthrough:${subject}`, kind: 'passthrough', label: subject }, forwarded };
    }
    const names = Object.keys(forwarded);
    if (names.length === 0) return { outcome: 'absent' };
    // Values in a fixed order: the same headers are the same caller, whatever order they came in.
    const hash = createHash('sha256').update(JSON.stringify(names.sort().map((name) => [name.toLowerCase(), forwarded[name]]))).digest('hex');
    return { outcome: 'accepted', principal: { id: `passthrough:h:${hash}`, kind: 'passthrough', label: ANONYMOUS_LABEL }, forwarded };
  }

  private token(jwt: PassthroughJwt, headers: Headers): string | undefined {
    const name = (jwt.header ?? 'authorization').toLowerCase();
    if (name === 'authorization') return bearerToken(headers.authorization);
    const value = headerValue(headers, name)?.trim();
    if (!value) return undefined;
    return bearerToken(value) ?? value;
  }

  /** The token's subject, or undefined (refused; the log says why, the caller is not told). */
  private async verify(slug: string, jwt: PassthroughJwt, token: string): Promise<string | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.verifier(slug, jwt).getKey, {
        algorithms: [...(jwt.algorithms ?? PASSTHROUGH_JWT_ALGORITHMS)],
        ...(jwt.issuer !== undefined ? { issuer: jwt.issuer } : {}),
        ...(jwt.audience !== undefined ? { audience: jwt.audience } : {}),
        clockTolerance: jwt.clockToleranceSec ?? 0,
      });
      if (typeof payload.sub !== 'string' || payload.sub.length === 0) {
        this.options.log.warn(`persona ${slug}: passthrough JWT refused: it has no "sub" claim (downstream sessions are keyed by it)`);
        return undefined;
      }
      return payload.sub;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const reason = typeof code === 'string' ? `${code}: ${(error as Error).message}` : error instanceof Error ? error.message : String(error);
      this.options.log.warn(`persona ${slug}: passthrough JWT refused (${reason})`);
      return undefined;
    }
  }

  private verifier(slug: string, jwt: PassthroughJwt): Verifier {
    const cached = this.verifiers.get(slug);
    if (cached && sameContent(cached.jwt, jwt)) return cached;
    const getKey: JWTVerifyGetKey = jwt.jwksUrl
      ? createRemoteJWKSet(new URL(jwt.jwksUrl), {
          timeoutDuration: this.options.jwksTimeoutMs,
          cooldownDuration: this.options.jwksCooldownMs,
          cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
        })
      : createLocalJWKSet(jwt.jwks as JSONWebKeySet);
    const verifier = { jwt, getKey };
    this.verifiers.set(slug, verifier);
    return verifier;
  }
}

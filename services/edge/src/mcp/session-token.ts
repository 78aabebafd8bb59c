import { randomBytes } from 'node:crypto';
import type { ClientCapabilities } from '@persona-gateway/contracts';
import type { SecretBox } from '@persona-gateway/secrets';

/** What a session id carries: enough for any edge replica to accept it without a shared table. */
export interface SessionClaims {
  readonly persona: string;
  /** The principal that initialised it: nobody else may use it. */
  readonly principal: string;
  readonly protocolVersion: string;
  /** Epoch milliseconds. */
  readonly issuedAt: number;
  /** Random, unique per session: names it in the terminated set, on the bus and in stream ownership. */
  readonly key: string;
  /** What the client can take from a server (its `initialize` said so): sampling, elicitation. */
  readonly clientCapabilities?: ClientCapabilities;
}

export const SESSION_CONTEXT = 'mcp-session';
export const DEFAULT_SESSION_MAX_AGE_MS = 24 * 60 * 60_000;
// Refuse to spend AES on header values no sealed session id can be.
const MAX_SESSION_ID_LENGTH = 2_048;
/** Ids opened recently, so a session's every request does not pay for AES and JSON again. */
const OPENED_CACHE_SIZE = 10_000;

interface Sealed {
  v: 1;
  s: string;
  p: string;
  pv: string;
  iat: number;
  k: string;
  /** Optional, so ids issued before it existed still open. */
  c?: ClientCapabilities;
}

/**
 * Session ids are the claims sealed with the SecretBox (AES-256-GCM, context bound), so a
 * session survives its next request landing on another replica and cannot be forged or
 * altered by the client. They expire after `maxAgeMs`: a client then gets 404 and, as the
 * spec requires, initialises again. Ending one early is the terminated set's job.
 */
export class SessionTokens {
  // A sealed id always opens to the same claims, so caching it changes nothing but the cost;
  // expiry is still checked on every use. Only ids that opened are kept (no cache flooding by forgeries).
  private readonly opened = new Map<string, SessionClaims>();

  constructor(
    private readonly box: SecretBox,
    readonly maxAgeMs: number = DEFAULT_SESSION_MAX_AGE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  issue(claims: Pick<SessionClaims, 'persona' | 'principal' | 'protocolVersion' | 'clientCapabilities'>): { id: string; claims: SessionClaims } {
    const full: SessionClaims = { ...claims, issuedAt: this.now(), key: randomBytes(16).toString('base64url') };
    const sealed: Sealed = { v: 1, s: full.persona, p: full.principal, pv: full.protocolVersion, iat: full.issuedAt, k: full.key };
    if (full.clientCapabilities && Object.keys(full.clientCapabilities).length > 0) sealed.c = full.clientCapabilities;
    // Sealed values are "v1.<iv>.<ciphertext>.<tag>" in base64url: visible ASCII, as the spec requires of session ids.
    return { id: this.box.seal(JSON.stringify(sealed), SESSION_CONTEXT), claims: full };
  }

  /** The claims, or undefined when the id is not one of ours, was tampered with, or has expired. */
  open(id: string): SessionClaims | undefined {
    const cached = this.opened.get(id);
    if (cached) return this.now() < this.expiresAt(cached.issuedAt) ? cached : undefined;
    const claims = this.unseal(id);
    if (claims) {
      if (this.opened.size >= OPENED_CACHE_SIZE) this.opened.delete(this.opened.keys().next().value!);
      this.opened.set(id, claims);
    }
    return claims;
  }

  private unseal(id: string): SessionClaims | undefined {
    if (id.length === 0 || id.length > MAX_SESSION_ID_LENGTH) return undefined;
    let sealed: Partial<Sealed>;
    try {
      sealed = JSON.parse(this.box.open(id, SESSION_CONTEXT)) as Partial<Sealed>;
    } catch {
      return undefined;
    }
    const { v, s, p, pv, iat, k, c } = sealed;
    if (v !== 1 || typeof s !== 'string' || typeof p !== 'string' || typeof pv !== 'string' || typeof iat !== 'number' || typeof k !== 'string') return undefined;
    if (this.now() >= this.expiresAt(iat)) return undefined;
    return { persona: s, principal: p, protocolVersion: pv, issuedAt: iat, key: k, ...(c && typeof c === 'object' ? { clientCapabilities: c } : {}) };
  }

  expiresAt(issuedAt: number): number {
    return issuedAt + this.maxAgeMs;
  }
}

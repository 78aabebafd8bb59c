import { DEFAULT_DOWNSTREAM_CALL_TIMEOUT_MS, DEFAULT_DOWNSTREAM_CONNECT_TIMEOUT_MS, DEFAULT_SESSION_IDLE_TTL_MS } from '@persona-gateway/config';

/** How long a reaped stdio process tree gets between SIGTERM and SIGKILL. */
export const DEFAULT_PROCESS_GRACE_MS = 2_000;
/** Discovery of a whole catalog (connect plus every list page) must finish within this. */
export const DEFAULT_DISCOVERY_TIMEOUT_MS = 30_000;

export interface SessionOptions {
  /** A session unused (and with no call in flight) this long is closed. */
  readonly idleTtlMs: number;
  readonly connectTimeoutMs: number;
  /** Silence allowed on a call; each progress notification restarts the clock. */
  readonly callTimeoutMs: number;
  readonly processGraceMs: number;
  readonly discoveryTimeoutMs: number;
}

export type SessionOptionsInput = Partial<SessionOptions>;

/** Options are checked once: a bad value is a programming error (TypeError naming the option). */
export function parseSessionOptions(input: SessionOptionsInput = {}): SessionOptions {
  const options: SessionOptions = {
    idleTtlMs: input.idleTtlMs ?? DEFAULT_SESSION_IDLE_TTL_MS,
    connectTimeoutMs: input.connectTimeoutMs ?? DEFAULT_DOWNSTREAM_CONNECT_TIMEOUT_MS,
    callTimeoutMs: input.callTimeoutMs ?? DEFAULT_DOWNSTREAM_CALL_TIMEOUT_MS,
    processGraceMs: input.processGraceMs ?? DEFAULT_PROCESS_GRACE_MS,
    discoveryTimeoutMs: input.discoveryTimeoutMs ?? DEFAULT_DISCOVERY_TIMEOUT_MS,
  };
  for (const [name, value] of Object.entries(options)) {
    // setTimeout clamps anything above 2^31-1 ms to 1 ms: a huge TTL would close sessions at once.
    if (!Number.isInteger(value) || value < 1 || value > 2_147_483_647) {
      throw new TypeError(`SessionService: option ${name} must be a whole number of milliseconds from 1 to 2147483647 (got ${String(value)})`);
    }
  }
  return options;
}

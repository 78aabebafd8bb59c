import { RpcCode, RpcError } from './errors.js';

/** RFC 5424 severities, least severe first, as MCP names them. */
const LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'] as const;
export type LogLevel = (typeof LEVELS)[number];
/** Without logging/setLevel the server decides (the spec lets it): info and above. */
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';
const MAX_SESSIONS = 100_000;

/**
 * The level each client session chose with logging/setLevel, in memory on this replica (see
 * the README): a call landing on another replica gets the default filter there, and is answered
 * with a stream only if the client can also take server requests or asked for progress.
 */
export class ClientLogLevels {
  private readonly levels = new Map<string, LogLevel>();

  constructor(private readonly maxSessions = MAX_SESSIONS) {}

  /** Validates logging/setLevel params and remembers the level; throws -32602 for a bad one. */
  set(session: string, params: Record<string, unknown>): void {
    const level = params.level;
    if (typeof level !== 'string' || !(LEVELS as readonly string[]).includes(level)) {
      throw new RpcError(RpcCode.InvalidParams, `Invalid params: level must be one of ${LEVELS.join(', ')}`);
    }
    this.levels.delete(session); // re-inserted last: the oldest sessions go first when full
    this.levels.set(session, level as LogLevel);
    if (this.levels.size > this.maxSessions) this.levels.delete(this.levels.keys().next().value!);
  }

  has(session: string): boolean {
    return this.levels.has(session);
  }

  /** Whether a notifications/message of `level` reaches this session; unknown levels do. */
  passes(session: string, level: unknown): boolean {
    const threshold = LEVELS.indexOf(this.levels.get(session) ?? DEFAULT_LOG_LEVEL);
    const severity = typeof level === 'string' ? (LEVELS as readonly string[]).indexOf(level) : -1;
    return severity < 0 || severity >= threshold;
  }

  forget(session: string): void {
    this.levels.delete(session);
  }
}

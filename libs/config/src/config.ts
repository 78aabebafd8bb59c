import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_DATA_DIR = './.data';
export const DEFAULT_LOG_LEVEL = 'info';
export const DEFAULT_SESSION_IDLE_TTL_MS = 30 * 60_000;
export const DEFAULT_DOWNSTREAM_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_DOWNSTREAM_CALL_TIMEOUT_MS = 5 * 60_000;
export const DEFAULT_JWKS_TIMEOUT_MS = 5_000;
export const DEFAULT_JWKS_COOLDOWN_MS = 30_000;
/** Under `DATA_DIR` unless CALL_JOURNAL_DIR says otherwise. */
export const DEFAULT_CALL_JOURNAL_SUBDIR = 'call-journal';
export const DEFAULT_CALL_JOURNAL_FLUSH_MS = 100;
/** Far above any sensible flush interval, and below setTimeout's limit (2^31 - 1 ms). */
export const MAX_CALL_JOURNAL_FLUSH_MS = 3_600_000;

const url = (protocols: readonly string[], what: string) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be ${what}` },
  );

const optional = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const milliseconds = (fallback: number) =>
  z.preprocess(
    (value) => (value === undefined || value === '' ? fallback : Number(value)),
    z.number({ message: 'must be a whole number of milliseconds' }).int('must be a whole number of milliseconds').min(1, 'must be at least 1'),
  );

const BOOLEAN_WORDS: Readonly<Record<string, boolean>> = { true: true, '1': true, yes: true, false: false, '0': false, no: false };

const boolean = (fallback: boolean) =>
  z.preprocess(
    (value) => (value === undefined || value === '' ? fallback : BOOLEAN_WORDS[String(value).toLowerCase()]),
    z.boolean({ message: 'must be true or false' }),
  );

const schema = z.object({
  PORT: z.preprocess(
    (value) => (value === undefined || value === '' ? DEFAULT_PORT : Number(value)),
    z.number({ message: 'must be a whole number from 0 to 65535' }).int('must be a whole number from 0 to 65535').min(0).max(65_535),
  ),
  HOST: z.string().min(1, 'must not be empty').default(DEFAULT_HOST),
  PUBLIC_URL: optional(url(['http:', 'https:'], 'an http(s) URL such as https://gateway.example.com')),
  DATA_DIR: z.string().min(1, 'must not be empty').default(DEFAULT_DATA_DIR),
  DATABASE_URL: optional(url(['postgres:', 'postgresql:'], 'a postgres:// URL')),
  NATS_URL: optional(
    z
      .string()
      .transform((value) => value.split(',').map((part) => part.trim()))
      .pipe(z.array(url(['nats:', 'tls:'], 'one or more nats:// URLs separated by commas'))),
  ),
  ENCRYPTION_KEY: optional(
    z.string().refine((value) => Buffer.from(value, 'base64').length === 32, { message: 'must be 32 bytes, base64-encoded (openssl rand -base64 32)' }),
  ),
  OTEL_EXPORTER_OTLP_ENDPOINT: optional(url(['http:', 'https:'], 'an http(s) URL of an OTLP collector')),
  SESSION_IDLE_TTL_MS: milliseconds(DEFAULT_SESSION_IDLE_TTL_MS),
  DOWNSTREAM_CONNECT_TIMEOUT_MS: milliseconds(DEFAULT_DOWNSTREAM_CONNECT_TIMEOUT_MS),
  DOWNSTREAM_CALL_TIMEOUT_MS: milliseconds(DEFAULT_DOWNSTREAM_CALL_TIMEOUT_MS),
  JWKS_TIMEOUT_MS: milliseconds(DEFAULT_JWKS_TIMEOUT_MS),
  JWKS_COOLDOWN_MS: milliseconds(DEFAULT_JWKS_COOLDOWN_MS),
  CALL_JOURNAL_DIR: optional(z.string()),
  CALL_JOURNAL_FSYNC: boolean(false),
  CALL_JOURNAL_FLUSH_MS: milliseconds(DEFAULT_CALL_JOURNAL_FLUSH_MS).pipe(z.number().max(MAX_CALL_JOURNAL_FLUSH_MS, `must be at most ${MAX_CALL_JOURNAL_FLUSH_MS}`)),
  ALLOWED_ORIGINS: optional(z.string().transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean))),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug'], { message: 'must be one of error, warn, info, debug' }).default(DEFAULT_LOG_LEVEL),
});

export interface GatewayConfig {
  readonly port: number;
  readonly host: string;
  readonly publicUrl: string;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly natsServers: readonly string[] | undefined;
  readonly encryptionKey: string | undefined;
  readonly otlpEndpoint: string | undefined;
  readonly logLevel: 'error' | 'warn' | 'info' | 'debug';
  /** Downstream sessions close after this long unused. */
  readonly sessionIdleTtlMs: number;
  readonly downstreamConnectTimeoutMs: number;
  readonly downstreamCallTimeoutMs: number;
  /** Passthrough JWT validation: how long a JWKS fetch may take, and how often an unknown kid may refetch it. */
  readonly jwksTimeoutMs: number;
  readonly jwksCooldownMs: number;
  /** Origins (besides PUBLIC_URL's and loopback) allowed to call MCP endpoints from a browser. */
  readonly allowedOrigins: readonly string[];
  /** Where the router journals call events before answering (absolute). */
  readonly callJournalDir: string;
  /** fdatasync the journal before answering: survives a power loss, at the price of a disk flush per group of calls. */
  readonly callJournalFsync: boolean;
  /** How often journaled call events are shipped to PostgreSQL. */
  readonly callJournalFlushMs: number;
}

/** Bad configuration: its message is the one line start-up prints before it stops. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once, at start-up. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const result = schema.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const variable = String(issue.path[0]);
    // Echo only values that cannot hold a secret (URLs may carry credentials).
    const shown = ['PORT', 'HOST', 'LOG_LEVEL', 'DATA_DIR', 'SESSION_IDLE_TTL_MS', 'DOWNSTREAM_CONNECT_TIMEOUT_MS', 'DOWNSTREAM_CALL_TIMEOUT_MS', 'JWKS_TIMEOUT_MS', 'JWKS_COOLDOWN_MS', 'CALL_JOURNAL_DIR', 'CALL_JOURNAL_FSYNC', 'CALL_JOURNAL_FLUSH_MS'].includes(variable) ? ` (got "${String(env[variable])}")` : '';
    throw new ConfigError(variable, `Invalid configuration: ${variable} ${issue.message}${shown}`);
  }
  const value = result.data;
  const dataDir = isAbsolute(value.DATA_DIR) ? value.DATA_DIR : resolve(value.DATA_DIR);
  const callJournalDir = value.CALL_JOURNAL_DIR === undefined ? join(dataDir, DEFAULT_CALL_JOURNAL_SUBDIR) : resolve(value.CALL_JOURNAL_DIR);
  const hostForUrl = value.HOST.includes(':') ? `[${value.HOST}]` : value.HOST === '0.0.0.0' ? '127.0.0.1' : value.HOST;
  return {
    port: value.PORT,
    host: value.HOST,
    publicUrl: (value.PUBLIC_URL ?? `http://${hostForUrl}:${value.PORT}`).replace(/\/+$/, ''),
    dataDir,
    databaseUrl: value.DATABASE_URL,
    natsServers: value.NATS_URL,
    encryptionKey: value.ENCRYPTION_KEY,
    otlpEndpoint: value.OTEL_EXPORTER_OTLP_ENDPOINT,
    logLevel: value.LOG_LEVEL,
    sessionIdleTtlMs: value.SESSION_IDLE_TTL_MS,
    downstreamConnectTimeoutMs: value.DOWNSTREAM_CONNECT_TIMEOUT_MS,
    downstreamCallTimeoutMs: value.DOWNSTREAM_CALL_TIMEOUT_MS,
    jwksTimeoutMs: value.JWKS_TIMEOUT_MS,
    jwksCooldownMs: value.JWKS_COOLDOWN_MS,
    allowedOrigins: value.ALLOWED_ORIGINS ?? [],
    callJournalDir,
    callJournalFsync: value.CALL_JOURNAL_FSYNC,
    callJournalFlushMs: value.CALL_JOURNAL_FLUSH_MS,
  };
}

/** Reads the configuration, printing the one-line reason and exiting when it is bad. */
export function configOrExit(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

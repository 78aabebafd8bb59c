import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import type { GatewayConfig } from '@persona-gateway/config';
import type { Logger } from './runtime.js';

const LEVELS: Record<GatewayConfig['logLevel'], LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

export function createLogger(level: GatewayConfig['logLevel'], context = 'persona-gateway'): ConsoleLogger & Logger {
  return new ConsoleLogger(context, { logLevels: LEVELS[level] });
}

/** Nest's own start-up chatter (every mapped route) only shows at debug level. */
export function frameworkLogger(level: GatewayConfig['logLevel']): ConsoleLogger {
  return new ConsoleLogger('nest', { logLevels: level === 'debug' ? LEVELS.debug : LEVELS.warn });
}

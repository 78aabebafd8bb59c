/**
 * Every error that crosses a process boundary carries one of these stable codes.
 * Callers branch on `code`, never on the message, which is for people.
 */
export const ERROR_CODES = [
  'INVALID_PAYLOAD',
  'INVALID_ARGUMENT',
  'UNAUTHORIZED',
  'UNKNOWN_TOOL',
  'DOWNSTREAM_ERROR',
  'CANCELLED',
  'NO_RESPONDERS',
  'TIMEOUT',
  'UNAVAILABLE',
  'CONFLICT',
  'NOT_FOUND',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

export class GatewayError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GatewayError';
  }
}

import { GatewayError } from '@persona-gateway/contracts';
import type { z } from 'zod';

/** Parses untrusted input against a contract schema; failure names the subject and the first bad fields. */
export function parsePayload<S extends z.ZodType>(schema: S, value: unknown, subject: string, what: 'request' | 'response' | 'event'): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
  throw new GatewayError('INVALID_PAYLOAD', `Invalid ${what} for ${subject}: ${issues}`);
}

/** What a handler's failure looks like to the caller: coded errors pass, anything else is INTERNAL. */
export function toWireError(error: unknown): { code: GatewayError['code']; message: string } {
  if (error instanceof GatewayError) return { code: error.code, message: error.message };
  return { code: 'INTERNAL', message: 'Internal error' };
}

import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { GatewayError, type ErrorCode } from '@persona-gateway/contracts';
import type { FastifyReply } from 'fastify';
import { ZodError } from 'zod';

const STATUS: Partial<Record<ErrorCode, number>> = {
  INVALID_PAYLOAD: 400,
  INVALID_ARGUMENT: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNAVAILABLE: 503,
  NO_RESPONDERS: 503,
  TIMEOUT: 504,
};

/** Every admin API failure as RFC 9457 problem+json with a stable `code`; no stack traces, no internals. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    let status = 500;
    let code: string = 'INTERNAL';
    let detail = 'Internal error';
    if (error instanceof GatewayError) {
      status = STATUS[error.code] ?? 500;
      code = error.code;
      detail = status === 500 ? 'Internal error' : error.message;
    } else if (error instanceof ZodError) {
      status = 400;
      code = 'INVALID_ARGUMENT';
      detail = error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`).join('; ');
    } else if (error instanceof HttpException) {
      status = error.getStatus();
      code = status === 401 ? 'UNAUTHORIZED' : status === 404 ? 'NOT_FOUND' : status < 500 ? 'INVALID_ARGUMENT' : 'INTERNAL';
      detail = status === 401 ? 'Invalid or expired token' : error.message;
    }
    if (status === 401) void reply.header('WWW-Authenticate', 'Bearer');
    void reply
      .status(status)
      .header('Content-Type', 'application/problem+json')
      .send({ type: 'about:blank', title: TITLES[status] ?? 'Error', status, code, detail });
  }
}

const TITLES: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 409: 'Conflict', 500: 'Internal Server Error', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

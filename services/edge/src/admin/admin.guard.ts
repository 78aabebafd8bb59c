import { Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { bearerToken } from '@persona-gateway/access';
import type { FastifyRequest } from 'fastify';
import type { AdminTokenCheck } from '../token-check.js';
import { ADMIN_TOKEN_CHECK } from '../tokens.js';

/** The admin API takes the admin token only. */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(@Inject(ADMIN_TOKEN_CHECK) private readonly tokens: AdminTokenCheck) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!(await this.tokens.verify(bearerToken(request.headers.authorization)))) throw new UnauthorizedException();
    return true;
  }
}

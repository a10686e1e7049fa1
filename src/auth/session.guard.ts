import { ForbiddenException, Injectable, NotFoundException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { ALLOW_NO_ROLES, IS_PUBLIC } from '../common/decorators.js';
import { PERMISSION } from '../roles/require-permission.decorator.js';
import { LoginRequiredException, NoRolesException } from './auth.exceptions.js';

/**
 * Default deny: every route needs a logged-in user of the host's instance who holds a role, and
 * the route's permission if it names one. Open routes say so with @Public().
 */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    const meta = <T>(key: string) => this.reflector.getAllAndOverride<T>(key, [context.getHandler(), context.getClass()]);
    const user = req.user;
    if (user) {
      res.locals.me = user;
      res.locals.canSecurity = user.permissions.includes('security');
    }
    if (meta<boolean>(IS_PUBLIC)) return true;
    if (!req.tenant) throw new NotFoundException();
    if (!user || user.tenantId !== req.tenant.id) throw new LoginRequiredException();
    if (user.roleCount === 0 && !meta<boolean>(ALLOW_NO_ROLES)) throw new NoRolesException(user.login);
    const permission = meta<string>(PERMISSION);
    if (permission && !user.permissions.includes(permission)) {
      throw new ForbiddenException('You do not have access to this page. Ask your system administrator for a role that includes it.');
    }
    return true;
  }
}

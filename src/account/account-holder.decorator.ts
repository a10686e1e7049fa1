import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { clientAddress } from '../common/decorators.js';
import { tenantOf } from '../tenancy/current-tenant.decorator.js';
import type { Tenant } from '../tenancy/tenant.entity.js';
import type { SessionUser } from '../users/session-user.js';

/** Whose account a My account request is about: the logged-in user, their instance, and the address they act from (for the audit log). */
export interface AccountHolder {
  tenant: Tenant;
  me: SessionUser;
  ip: string;
}

/** The account holder of the request (the session guard let only a logged-in user through). */
export const Holder = createParamDecorator((_: unknown, ctx: ExecutionContext): AccountHolder => {
  const req = ctx.switchToHttp().getRequest<Request>();
  return { tenant: tenantOf(req), me: req.user!, ip: clientAddress(req) };
});

import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { clientAddress } from '../common/decorators.js';
import { tenantOf } from '../tenancy/current-tenant.decorator.js';
import type { TenantId } from '../tenancy/tenant-id.js';
import type { SessionUser } from '../users/session-user.js';

/** Who acts in a Security page, where, and from which address: what every change records in the audit log. */
export interface AdminRequest {
  tenantId: TenantId;
  me: SessionUser;
  ip: string;
}

/** The administrator's request (the session guard let only a logged-in user with the permission through). */
export const Admin = createParamDecorator((_: unknown, ctx: ExecutionContext): AdminRequest => {
  const req = ctx.switchToHttp().getRequest<Request>();
  return { tenantId: tenantOf(req).id, me: req.user!, ip: clientAddress(req) };
});

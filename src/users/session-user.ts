import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { TenantId } from '../tenancy/tenant-id.js';

/** The logged-in user as every request sees it: one row read per request, no entity graph. */
export interface SessionUser {
  id: number;
  tenantId: TenantId;
  login: string;
  name: string;
  userType: string;
  /** `en`, `de`, `bg`, or null for the instance's default. */
  language: string | null;
  roleCount: number;
  permissions: string[];
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends SessionUser {}
  }
}

/** The logged-in user (the session guard has let only logged-in users through). */
export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext) => ctx.switchToHttp().getRequest<Request>().user);

import { createParamDecorator, InternalServerErrorException, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Tenant } from './tenant.entity.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The instance of the Host header, set once by the tenant middleware. */
      tenant?: Tenant;
    }
  }
}

/** The request's tenant. A route reached without one is a wiring mistake, never a fallback tenant: it fails loudly. */
export function tenantOf(req: Request): Tenant {
  if (!req.tenant) throw new InternalServerErrorException('No tenant was resolved for this request.');
  return req.tenant;
}

export const CurrentTenant = createParamDecorator((_: unknown, ctx: ExecutionContext): Tenant => tenantOf(ctx.switchToHttp().getRequest<Request>()));

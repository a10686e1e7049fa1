import { isIP } from 'node:net';
import { createParamDecorator, NotFoundException, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

export const IS_PUBLIC = 'isPublic';
/** Open to anyone on a tenant host: login, signup link, health. Everything else needs a session. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

export const ALLOW_NO_ROLES = 'allowNoRoles';
/** Reachable by a logged-in user who holds no role yet (logout). */
export const AllowNoRoles = () => SetMetadata(ALLOW_NO_ROLES, true);

/**
 * Client address as Express sees it (honours TRUST_PROXY). Behind a trusted proxy Express takes it
 * from X-Forwarded-For unchecked; what is not an IP address there (a request that did not come
 * through the proxy) gives way to the connection's own address, so logs and throttling keep a real one.
 */
export function clientAddress(req: Request): string {
  if (req.ip && isIP(req.ip)) return req.ip;
  const peer = req.socket.remoteAddress ?? '';
  return isIP(peer) ? peer : '';
}

export const ClientIp = createParamDecorator((_: unknown, ctx: ExecutionContext) => clientAddress(ctx.switchToHttp().getRequest<Request>()));

/** The value, or a 404 when there is none (a record of another instance looks exactly like a missing one). */
export function orNotFound<T>(value: T | undefined | null): T {
  if (value === undefined || value === null) throw new NotFoundException();
  return value;
}

import { Injectable, type ExecutionContext } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import { LoginFailedException } from './auth.exceptions.js';

/**
 * Runs the local strategy, then logs the user in: passport renews the session id (no fixation).
 * A user with a second factor is not logged in here: the controller keeps the login pending.
 */
@Injectable()
export class LocalAuthGuard extends AuthGuard('local') {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    await super.canActivate(context);
    const req = context.switchToHttp().getRequest<Request>();
    if (req.loginOutcome?.kind !== 'second-step') await super.logIn(req);
    return true;
  }

  // Missing fields and the strategy's own refusal end the same way: the login page, one message.
  override handleRequest<T>(err: unknown, user: T, _info: unknown, context: ExecutionContext): T {
    if (err) throw err;
    if (!user) {
      const body = context.switchToHttp().getRequest<Request>().body as Record<string, unknown> | undefined;
      throw new LoginFailedException(typeof body?.login === 'string' ? body.login.slice(0, 200) : '');
    }
    return user;
  }
}

import { ForbiddenException, HttpException, HttpStatus } from '@nestjs/common';
import { msg } from '../common/i18n/message.js';
import type { Request, Response } from 'express';
import type { RendersItself } from '../common/http-exception.filter.js';
import { setUnavailableHeaders, UNAVAILABLE_MESSAGE } from '../common/unavailable.js';
import { safeNext } from './safe-next.js';

/** One message for every failed login: wrong password, unknown login, throttled, or cannot log in. */
export const LOGIN_FAILED_MESSAGE = 'Wrong login or password.';

/** The login page again, with the one message and the login kept. */
export class LoginFailedException extends HttpException implements RendersItself {
  constructor(readonly login: string) {
    super(LOGIN_FAILED_MESSAGE, HttpStatus.UNAUTHORIZED);
  }

  renderResponse(req: Request, res: Response): void {
    renderLoginForm(req, res, 401, { error: this.message, login: this.login, passkeyScripts: true });
  }
}

/** The login form again after a POST, with a message, what was typed (never the password) and where to go after. */
function renderLoginForm(req: Request, res: Response, status: number, view: { error: string; login?: string; passkeyScripts?: boolean }): void {
  const next = (req.body as Record<string, unknown> | undefined)?.next;
  res.status(status).render('auth/login', { layout: 'layouts/public', title: 'Log in', ...view, next: next ? safeNext(next) : undefined });
}

/** No session (or an expired one) on a page that needs one: the person goes to /login, and back after. */
export class LoginRequiredException extends HttpException implements RendersItself {
  constructor() {
    super('Please log in.', HttpStatus.UNAUTHORIZED);
  }

  renderResponse(req: Request, res: Response): void {
    const next = req.method === 'GET' && req.originalUrl !== '/' ? `?next=${encodeURIComponent(req.originalUrl)}` : '';
    const expired = req.sessionExpired ? (next ? '&' : '?') + 'expired=1' : '';
    res.redirect(303, `/login${next}${expired}`);
  }
}

/** The seed's note: a user without roles sees exactly this, with their login. */
export class NoRolesException extends ForbiddenException implements RendersItself {
  constructor(readonly login: string) {
    super(msg('errors.noRoles.line1', { login }).toString());
  }

  renderResponse(_req: Request, res: Response): void {
    res.status(403).render('errors/no-roles', { title: 'errors.noRoles.title', login: this.login });
  }
}

/** While the database cannot answer, a login attempt gets the login form again with what was typed (the password aside). */
export function renderLoginUnavailable(req: Request, res: Response): boolean {
  if (req.method !== 'POST' || req.path !== '/login' || !req.tenant) return false;
  const login = (req.body as Record<string, unknown> | undefined)?.login;
  setUnavailableHeaders(res);
  renderLoginForm(req, res, 503, { error: UNAVAILABLE_MESSAGE, login: typeof login === 'string' ? login.slice(0, 200) : undefined });
  return true;
}

/** The instance requires two-step login of this user, who has not set it up: they are sent to the setup. */
export class TwoStepSetupRequiredException extends HttpException implements RendersItself {
  constructor() {
    super('Set up two-step login to go on.', HttpStatus.FORBIDDEN);
  }

  renderResponse(_req: Request, res: Response): void {
    res.redirect(303, '/account/two-step/app');
  }
}

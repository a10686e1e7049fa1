import { ArgumentsHost, Catch, HttpException, HttpStatus, Inject, Logger, Optional, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { LoginFailedException, LoginRequiredException, NoRolesException, TwoStepSetupRequiredException } from '../auth/auth.exceptions.js';
import { safeNext } from '../auth/safe-next.js';
import { IS_UNAVAILABLE, renderUnavailable, setUnavailableHeaders, UNAVAILABLE_MESSAGE, type UnavailableCheck } from './unavailable.js';

/**
 * One place turns errors into pages: the login page again for a failed login, a redirect to it when
 * a session is needed, the 403/404 pages with the layout, the standalone 503 page while the database
 * cannot answer (the outage is logged once, elsewhere), the standalone 500 page for anything
 * unexpected (logged, never shown).
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Error');

  constructor(@Optional() @Inject(IS_UNAVAILABLE) private readonly unavailable?: UnavailableCheck) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;

    if (exception instanceof LoginFailedException) {
      const next = (req.body as Record<string, unknown> | undefined)?.next;
      res.status(401).render('auth/login', {
        layout: 'layouts/public',
        title: 'Log in',
        passkeyScripts: true,
        error: exception.message,
        login: exception.login,
        next: next ? safeNext(next) : undefined,
      });
      return;
    }
    if (exception instanceof LoginRequiredException) {
      const next = req.method === 'GET' && req.originalUrl !== '/' ? `?next=${encodeURIComponent(req.originalUrl)}` : '';
      const expired = req.sessionExpired ? (next ? '&' : '?') + 'expired=1' : '';
      res.redirect(303, `/login${next}${expired}`);
      return;
    }
    if (exception instanceof TwoStepSetupRequiredException) {
      res.redirect(303, '/account/two-step/app');
      return;
    }
    if (exception instanceof NoRolesException) {
      res.status(403).render('errors/no-roles', { title: 'No assigned roles', login: exception.login });
      return;
    }
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      renderClientError(req, res, exception.getStatus(), messageOf(exception));
      return;
    }
    if (this.unavailable?.(exception) || (exception instanceof HttpException && exception.getStatus() === 503)) {
      this.renderUnavailable(req, res);
      return;
    }
    this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    res.status(HttpStatus.INTERNAL_SERVER_ERROR).render('errors/500', { layout: false });
  }

  /** The login form keeps what was typed (the password aside); any other page gets the plain 503 page. */
  private renderUnavailable(req: Request, res: Response): void {
    const body = req.body as Record<string, unknown> | undefined;
    if (req.method !== 'POST' || req.path !== '/login' || !req.tenant) return renderUnavailable(res);
    setUnavailableHeaders(res);
    res.status(503).render('auth/login', {
      layout: 'layouts/public',
      title: 'Log in',
      error: UNAVAILABLE_MESSAGE,
      login: typeof body?.login === 'string' ? body.login.slice(0, 200) : undefined,
      next: body?.next ? safeNext(body.next) : undefined,
    });
  }
}

export function renderClientError(req: Request, res: Response, status: number, message?: string): void {
  const view = status === 403 ? 'errors/403' : status === 404 ? 'errors/404' : 'errors/4xx';
  const layout = req.user ? 'layouts/main' : 'layouts/public';
  // Also rendered by middleware before the app's no-store header is set; the page carries a CSRF token.
  res.setHeader('Cache-Control', 'no-store');
  res.status(status).render(view, { layout, title: titleOf(status), status, message });
}

function titleOf(status: number): string {
  if (status === 403) return 'Access denied';
  if (status === 404) return 'Page not found';
  if (status === 413) return 'Too much data';
  if (status === 429) return 'Too many requests';
  return 'Request not accepted';
}

function messageOf(exception: HttpException): string | undefined {
  const body = exception.getResponse();
  if (typeof body === 'string') return body;
  const message = (body as { message?: string | string[] }).message;
  return Array.isArray(message) ? message.join(' ') : message;
}

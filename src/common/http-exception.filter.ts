import { ArgumentsHost, Catch, HttpException, HttpStatus, Inject, Logger, Optional, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { IS_UNAVAILABLE, RENDER_UNAVAILABLE, renderUnavailable, type UnavailableCheck, type UnavailableRenderer } from './unavailable.js';

/**
 * An error a feature answers with its own page (Auth: the login page again, a redirect to it, the
 * no-roles page). The filter lets it render; common knows no feature.
 */
export interface RendersItself {
  renderResponse(req: Request, res: Response): void;
}

function rendersItself(exception: unknown): exception is RendersItself {
  return typeof (exception as Partial<RendersItself> | null)?.renderResponse === 'function';
}

/**
 * One place turns errors into pages: a feature's own page for errors that render themselves, the
 * 403/404 pages with the layout, the standalone 503 page while the database cannot answer (the
 * outage is logged once, elsewhere; a feature may answer its own requests), the standalone 500 page
 * for anything unexpected (logged, never shown).
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Error');

  constructor(
    @Optional() @Inject(IS_UNAVAILABLE) private readonly unavailable?: UnavailableCheck,
    @Optional() @Inject(RENDER_UNAVAILABLE) private readonly renderOwnUnavailable?: UnavailableRenderer,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;

    if (rendersItself(exception)) {
      exception.renderResponse(req, res);
      return;
    }
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      renderClientError(req, res, exception.getStatus(), messageOf(exception));
      return;
    }
    if (this.unavailable?.(exception) || (exception instanceof HttpException && exception.getStatus() === 503)) {
      if (!this.renderOwnUnavailable?.(req, res)) renderUnavailable(res);
      return;
    }
    this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    res.status(HttpStatus.INTERNAL_SERVER_ERROR).render('errors/500', { layout: false });
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

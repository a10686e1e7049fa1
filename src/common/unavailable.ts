import type { Response } from 'express';

/** What a browser or a client is told to wait before asking again. */
const RETRY_AFTER_SECONDS = 5;

export const UNAVAILABLE_MESSAGE = 'The service is temporarily unavailable, try again in a moment.';

/**
 * Injection token of a check that tells whether an error means a dependency (the database) cannot
 * answer right now; the app provides it, so the error filter answers 503 without knowing the database.
 */
export const IS_UNAVAILABLE = Symbol('IS_UNAVAILABLE');
export type UnavailableCheck = (err: unknown) => boolean;

export function setUnavailableHeaders(res: Response): void {
  res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
  res.setHeader('Cache-Control', 'no-store');
}

/** The plain 503 page: it needs neither the layout nor the database. */
export function renderUnavailable(res: Response): void {
  setUnavailableHeaders(res);
  res.status(503).render('errors/503', { layout: false });
}

/**
 * Injection token of a feature's own 503 answer for its requests (Auth: the login form again, with
 * what was typed); it returns false for requests that are not its own, which get the plain page.
 */
export const RENDER_UNAVAILABLE = Symbol('RENDER_UNAVAILABLE');
export type UnavailableRenderer = (req: import('express').Request, res: Response) => boolean;

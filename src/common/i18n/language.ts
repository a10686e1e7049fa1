import type { Request, Response } from 'express';
import { DEFAULT_LANGUAGE, fromAcceptLanguage, isLanguage, type Language } from './i18n.js';

/** A known person's language (the invitee, the user resetting a password): theirs, else the instance's default. */
export function readerLanguage(userLanguage: string | null | undefined, instanceDefault: string | undefined): Language {
  if (isLanguage(userLanguage)) return userLanguage;
  return isLanguage(instanceDefault) ? instanceDefault : DEFAULT_LANGUAGE;
}

/** The language the page in progress is rendered in (set per request in res.locals.lang). */
export function pageLanguage(res: Response): Language {
  const lang: unknown = res.locals.lang;
  return isLanguage(lang) ? lang : DEFAULT_LANGUAGE;
}

/** Sets the page's language for what follows (a page behind a mail's link speaks its user's language). */
export function setPageLanguage(res: Response, lang: Language): void {
  res.locals.lang = lang;
}

/**
 * First per request: the browser's `Accept-Language`, read once and kept for the request, is the
 * page's language until the instance and the session are known (pages of unknown hosts keep it).
 */
export function setBrowserLanguage(req: Request, res: Response): void {
  const browser = fromAcceptLanguage(req.headers['accept-language']);
  res.locals.browserLanguage = browser;
  setPageLanguage(res, browser ?? DEFAULT_LANGUAGE);
}

/**
 * Whose language a page is in: a logged-in user's own (none: the instance's default); for anyone
 * else the browser's (setBrowserLanguage), then the instance's default. Pages behind a mail's link
 * (Create Account, Reset password) choose their user's language themselves (readerLanguage).
 */
export function requestLanguage(res: Response, user: { language?: string | null } | undefined, instanceDefault: string | undefined): Language {
  if (user) return readerLanguage(user.language, instanceDefault);
  const browser: unknown = res.locals.browserLanguage;
  return isLanguage(browser) ? browser : readerLanguage(undefined, instanceDefault);
}

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
 * Whose language a page is in: a logged-in user's own (none: the instance's default); for anyone
 * else the browser's `Accept-Language`, then the instance's default. Pages behind a mail's link
 * (Create Account, Reset password) choose their user's language themselves (readerLanguage).
 */
export function requestLanguage(req: Request, user: { language?: string | null } | undefined, instanceDefault: string | undefined): Language {
  if (user) return readerLanguage(user.language, instanceDefault);
  return fromAcceptLanguage(req.headers['accept-language']) ?? readerLanguage(undefined, instanceDefault);
}

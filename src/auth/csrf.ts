import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { AppConfig } from '../config/app-config.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const CSRF_FAILED_MESSAGE = 'This form is no longer valid. Go back, reload the page and try again.';

/**
 * CSRF protection for every unsafe request on an instance host:
 * - the `Origin` (when sent) must be the instance's own origin, and `Sec-Fetch-Site` must not say
 *   same-site or cross-site: sibling instances share a site, so SameSite cookies alone do not help;
 * - the form's `_csrf` must be the HMAC of the session id (logged in) or, before login, of a random
 *   value in a cookie, so an anonymous visit writes nothing to the database.
 * A new session id at login makes earlier tokens stale.
 */
export function csrfMiddleware(config: AppConfig, forbid: (req: Request, res: Response) => void) {
  const cookieName = config.secureCookies ? '__Host-csrf' : 'csrf';
  const sign = (value: string) => createHmac('sha256', config.sessionSecret).update(value).digest('base64url');

  const expectedToken = (req: Request, res: Response, create: boolean): string | undefined => {
    if (req.session?.passport?.user) return sign('session:' + req.sessionID);
    let seed = readCookie(req, cookieName);
    if (!seed && create) {
      seed = randomUUID(); // 122 random bits from Node's buffered CSPRNG
      res.cookie(cookieName, seed, { httpOnly: true, sameSite: 'lax', secure: config.secureCookies, path: '/' });
    }
    // Bound to the instance too, so a token and cookie pair taken from one instance is no use on another.
    return seed ? sign(`anon:${req.tenant!.id}:${seed}`) : undefined;
  };

  return (req: Request, res: Response, next: NextFunction) => {
    if (!req.tenant) return next();
    if (SAFE_METHODS.has(req.method)) {
      res.locals.csrfToken = expectedToken(req, res, true);
      return next();
    }
    // A form posted after the session ended: back to the login page, nothing done.
    if (req.sessionExpired) return res.redirect(303, '/login?expired=1');
    const origin = req.get('origin');
    const site = req.get('sec-fetch-site');
    const expected = expectedToken(req, res, false);
    // A file upload's body is read later, as it streams: its form carries the token in the query string.
    const query = req.is('multipart/form-data') ? (req.query as Record<string, unknown>)._csrf : undefined;
    const sent = typeof req.body?._csrf === 'string' ? req.body._csrf : typeof query === 'string' ? query : '';
    // Pages sent with Referrer-Policy: no-referrer (the Create Account page) make browsers post
    // `Origin: null`. Over https browsers add Sec-Fetch-Site, which no page can forge, and it must
    // vouch for the same origin; plain-http development gets no fetch metadata, so the token alone decides.
    const nullOriginOk = origin === 'null' && (site === 'same-origin' || (!site && !config.secureCookies));
    const originOk = !origin || origin === config.tenantOrigin(req.tenant.name) || nullOriginOk;
    const siteOk = !site || site === 'same-origin' || site === 'none';
    // A page rendered in answer to the POST (a failed login, a form with errors, the 403 page's
    // Log out button) needs the valid token of this browser too.
    res.locals.csrfToken = expected;
    if (!originOk || !siteOk || !expected || !safeEqual(sent, expected)) return forbid(req, res);
    next();
  };
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeCookieValue(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** A cookie value as sent, percent-decoded; undefined when it does not decode (`%`, `%FF`): no cookie of ours. */
export function decodeCookieValue(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

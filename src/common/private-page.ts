import type { Response } from 'express';

/**
 * A page behind a link whose token is in the URL (Create Account, Reset password): never cached,
 * never sent on as a Referer. Under no-referrer browsers post the page's own forms with
 * `Origin: null`; the CSRF check accepts that only together with `Sec-Fetch-Site: same-origin`.
 */
export function privatePage(res: Response): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Referrer-Policy', 'no-referrer');
}

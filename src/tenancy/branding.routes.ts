import type { NextFunction, Request, Response } from 'express';
import { darker, HASH_IN_URL, logoExtension, usableAccent } from './brand.js';
import type { BrandLogos } from './brand-logos.js';

const LOGO = new RegExp(`^/logo-([0-9a-f]{${HASH_IN_URL}})\\.(png|jpg)$`);
const THEME = /^\/theme-([0-9a-f]{6})\.css$/;
/** A URL names its content, so browsers and proxies may keep it for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * `/branding/*` on an instance host, for anyone (the login page shows them): the instance's logo
 * and its accent stylesheet. Mounted right after the tenant middleware, before sessions and CSRF:
 * a response every visitor may share carries no cookie and costs no session read. Each URL changes
 * with its content; an old logo's URL answers 404. The logo's bytes are read here and for mails
 * only (BrandLogos).
 */
export function brandingRoutes(logos: BrandLogos) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return notFound(res);
    const theme = THEME.exec(req.path);
    if (theme) return sendTheme(`#${theme[1]}`, res);
    const logo = LOGO.exec(req.path);
    if (!logo || !req.tenant) return notFound(res);
    const [, hashPrefix, extension] = logo;
    logos.byPrefix(req.tenant, hashPrefix).then((found) => {
      if (!found || logoExtension(found.type) !== extension) return notFound(res);
      const etag = `"${found.hash}"`;
      res.setHeader('Cache-Control', IMMUTABLE);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('ETag', etag);
      if (req.headers['if-none-match'] === etag) return res.status(304).end();
      res.setHeader('Content-Type', found.type);
      res.setHeader('Content-Length', String(found.bytes.length));
      res.end(req.method === 'HEAD' ? undefined : found.bytes);
    }, next);
  };
}

/** Sets the stylesheet's accent (public/css/app.css) for a colour that keeps AA contrast; no other is served. */
function sendTheme(colour: string, res: Response): void {
  if (!usableAccent(colour)) return notFound(res);
  res.setHeader('Cache-Control', IMMUTABLE);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.type('text/css; charset=utf-8').send(`:root { --accent: ${colour}; --accent-dark: ${darker(colour)}; }\n`);
}

function notFound(res: Response): void {
  res.setHeader('Cache-Control', 'no-store');
  res.status(404).type('text/plain; charset=utf-8').send('Not found');
}

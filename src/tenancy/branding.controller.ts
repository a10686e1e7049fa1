import { Controller, Get, Headers, NotFoundException, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../common/decorators.js';
import { BrandLogos } from './brand-logos.js';
import { darker, HASH_IN_URL, logoExtension, usableAccent } from './brand.js';
import { CurrentTenant } from './current-tenant.decorator.js';
import type { Tenant } from './tenant.entity.js';

const LOGO = new RegExp(`^logo-([0-9a-f]{${HASH_IN_URL}})\\.(png|jpg)$`);
const THEME = /^theme-([0-9a-f]{6})\.css$/;
/** A URL names its content, so browsers and proxies may keep it for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The instance's logo and accent stylesheet, on the instance host, for anyone (the login page shows
 * them). Each URL changes with its content: an old logo's URL answers 404. The logo's bytes are
 * read here and for mails only (BrandLogos).
 */
@Public()
@Controller('branding')
export class BrandingController {
  constructor(private readonly logos: BrandLogos) {}

  @Get(':file')
  async file(@CurrentTenant() tenant: Tenant, @Param('file') file: string, @Headers('if-none-match') ifNoneMatch: string | undefined, @Res() res: Response) {
    const theme = THEME.exec(file);
    if (theme) return this.theme(`#${theme[1]}`, res);
    const logo = LOGO.exec(file);
    if (!logo) throw new NotFoundException();
    const found = await this.logos.byPrefix(tenant, logo[1]);
    if (!found || logoExtension(found.type) !== logo[2]) throw new NotFoundException();
    const etag = `"${found.hash}"`;
    res.setHeader('Cache-Control', IMMUTABLE);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('ETag', etag);
    if (ifNoneMatch === etag) return res.status(304).end();
    res.setHeader('Content-Type', found.type);
    res.setHeader('Content-Length', String(found.bytes.length));
    res.end(found.bytes);
  }

  /** Sets the stylesheet's accent (public/css/app.css) for a colour that keeps AA contrast; none other is served. */
  private theme(colour: string, res: Response): void {
    if (!usableAccent(colour)) throw new NotFoundException();
    res.setHeader('Cache-Control', IMMUTABLE);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.type('text/css; charset=utf-8').send(`:root { --accent: ${colour}; --accent-dark: ${darker(colour)}; }\n`);
  }
}

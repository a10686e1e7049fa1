import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';
import helmet from 'helmet';
import passport from 'passport';
import type pg from 'pg';
import { CSRF_FAILED_MESSAGE, csrfMiddleware } from './auth/csrf.js';
import { sessionMiddleware, sessionTimeouts } from './auth/session.js';
import { enrichLogContext, requestContext } from './common/app-logger.js';
import { Clock } from './common/clock.js';
import { requestLanguage, setBrowserLanguage, setPageLanguage } from './common/i18n/language.js';
import { renderClientError } from './common/http-exception.filter.js';
import { renderUnavailable } from './common/unavailable.js';
import { PROJECT_ROOT } from './common/paths.js';
import { setUpViews, VIEWS_DIR } from './common/views.js';
import { AppConfig } from './config/app-config.js';
import { PG_POOL } from './database/database.module.js';
import { DatabaseStatus } from './database/database-status.js';
import { RESET_PATH } from './auth/password-reset.composer.js';
import { SIGNUP_PATH } from './invitations/invitation-mails.js';
import { BrandLogos } from './tenancy/brand-logos.js';
import { brandingRoutes } from './tenancy/branding.routes.js';
import { tenantMiddleware } from './tenancy/tenant.middleware.js';
import { TenantsService } from './tenancy/tenants.service.js';

const WEBAUTHN_BROWSER_DIR = join(dirname(dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser'))), 'dist', 'bundle');

/**
 * Everything main.ts applies to the Nest app, in order; the test builder calls the same function,
 * so tests run exactly what production runs.
 */
export async function configureApp(app: NestExpressApplication): Promise<void> {
  const config = app.get(AppConfig);
  const clock = app.get(Clock);
  const database = app.get(DatabaseStatus);
  app.disable('x-powered-by');
  // Pages are never cached (no-store), so an ETag (a SHA-1 of every page) would buy nothing.
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy ? 1 : false);
  app.set('view options', { layout: 'layouts/main' });
  app.setBaseViewsDir(VIEWS_DIR);
  app.setViewEngine('hbs');
  await setUpViews();

  // Paths whose next segment is a link's token: never in the log.
  app.use(requestContext(config.production || config.logRequests, [SIGNUP_PATH, RESET_PATH]));
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          formAction: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          frameAncestors: ["'none'"],
        },
      },
      strictTransportSecurity: config.baseUrl.protocol === 'https:' ? { maxAge: 31536000, includeSubDomains: true } : false,
      referrerPolicy: { policy: 'same-origin' },
    }),
  );
  app.useStaticAssets(join(PROJECT_ROOT, 'public'), { prefix: '/assets/', maxAge: config.production ? '1d' : 0, index: false });
  // The browser half of @simplewebauthn, served by the app itself (script-src 'self', no CDN).
  app.useStaticAssets(WEBAUTHN_BROWSER_DIR, { prefix: '/assets/vendor/simplewebauthn/', maxAge: config.production ? '1d' : 0, index: false });
  // The page's language: first from the browser (pages of unknown hosts), then from the instance and,
  // once the session is read, the logged-in user (their row comes with the session: no extra query).
  app.use((req: express.Request, res: express.Response, next: express.NextFunction) => {
    setBrowserLanguage(req, res);
    next();
  });
  app.use(tenantMiddleware(config, app.get(TenantsService)));
  // The instance's logo and accent stylesheet: public and shared, so before sessions and CSRF (no cookie, no session read).
  app.use('/branding', brandingRoutes(app.get(BrandLogos)));
  app.use(express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 2000 }));
  app.use(sessionMiddleware(config, app.get<pg.Pool>(PG_POOL), (err) => database.report(err) || new Logger('Session').warn(`Session store: ${String(err)}`)));
  app.use(sessionTimeouts(config, clock));
  // Passport only where there is a session (anonymous page views have none).
  const passportInit = passport.initialize();
  const passportSession = passport.session();
  app.use((req: express.Request, res: express.Response, next: express.NextFunction) =>
    req.session ? passportInit(req, res, () => passportSession(req, res, next)) : next(),
  );
  app.use((req: express.Request, res: express.Response, next: express.NextFunction) => {
    const user = req.user && req.tenant && req.user.tenantId === req.tenant.id ? req.user : undefined;
    setPageLanguage(res, requestLanguage(res, user, req.tenant?.defaultLanguage));
    res.locals.timeZone = req.tenant?.timeZone ?? 'UTC';
    next();
  });
  app.use(enrichLogContext);
  app.use(csrfMiddleware(config, (req, res) => renderClientError(req, res, 403, CSRF_FAILED_MESSAGE)));
  // Pages that depend on who is logged in are never cached.
  app.use((_req: express.Request, res: express.Response, next: express.NextFunction) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  await app.init();
  // Last resort for errors thrown by the Express middleware above (the instance lookup, the session
  // store): 503 while the database cannot answer (the outage is logged once), else a plain 500; no stack trace.
  app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const unavailable = database.report(err);
    if (!unavailable) new Logger('Error').error(err.stack ?? String(err));
    if (res.headersSent) return;
    if (unavailable) renderUnavailable(res);
    else res.status(500).render('errors/500', { layout: false });
  });
}

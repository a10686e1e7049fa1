import type { NextFunction, Request, Response } from 'express';
import { fromEnglish, msg } from '../common/i18n/message.js';
import type { AppConfig } from '../config/app-config.js';
import { instanceLabel, instanceNameProblem } from './instance-name.js';
import type { TenantsService } from './tenants.service.js';

/** Paths served on any host: probes from load balancers and the app's own CSS and scripts. */
const HOSTLESS = /^\/(health\/|assets\/|favicon\.ico$)/;

/**
 * Resolves the instance once per request from the Host header: `<instance>.<base host>`.
 * Unknown instances and foreign hosts get the same plain 404 (never a fallback tenant, never a
 * hint of which instances exist); the bare base host gets the "Go to your instance" page.
 */
export function tenantMiddleware(config: AppConfig, tenants: TenantsService) {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (HOSTLESS.test(req.path)) return next();
    const label = instanceLabel(req.headers.host, config.baseHost);
    if (label === '') return baseHost(config, req, res);
    let tenant = null;
    try {
      tenant = label && !instanceNameProblem(label) ? await tenants.findByName(label) : null;
    } catch (err) {
      return next(err); // database down and the instance not in the cache: the last-resort handler answers 503, not a misleading 404
    }
    if (!tenant) return res.status(404).render('errors/unknown-host', { layout: false });
    req.tenant = tenant;
    res.locals.tenant = tenant;
    next();
  };
}

function baseHost(config: AppConfig, req: Request, res: Response): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.status(405).render('errors/unknown-host', { layout: false });
    return;
  }
  if (req.path === '/') {
    res.render('home/landing', { layout: 'layouts/public', title: 'landing.title', baseHost: config.baseHost });
    return;
  }
  if (req.path === '/go') {
    const name = String(req.query.instance ?? '')
      .trim()
      .toLowerCase();
    const problem = instanceNameProblem(name);
    if (problem) {
      res.status(400).render('home/landing', {
        layout: 'layouts/public',
        title: 'landing.title',
        baseHost: config.baseHost,
        instance: name,
        error: msg('landing.badName', { problem: fromEnglish(problem) }),
      });
      return;
    }
    // Redirect whether or not it exists: the instance host answers for itself.
    res.redirect(303, config.tenantOrigin(name) + '/login');
    return;
  }
  res.status(404).render('errors/unknown-host', { layout: false });
}

import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import type pg from 'pg';
import type { Clock } from '../common/clock.js';
import type { AppConfig } from '../config/app-config.js';
import type { SessionUser } from '../users/session-user.js';
import { decodeCookieValue } from './csrf.js';
import type { SessionPrincipal } from './session.serializer.js';
import { PgSessionStore } from './sessions.repository.js';

/** A login waiting for its second step, as the session keeps it (no passport user in that session). */
export interface PendingTwoStep {
  tenantId: number;
  userId: number;
  login: string;
  startedAt: number;
  next: string;
  totp: boolean;
  passkeys: boolean;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set when the session ended by timeout in this request, so the login page can say so. */
      sessionExpired?: boolean;
    }
  }
}

declare module 'express-session' {
  interface SessionData {
    /** Last request of the session (ms), renewed at most once a minute; the login time is in passport.user. */
    lastSeen: number;
    passport?: { user?: unknown };
    /** Between a right password and the second step. */
    twoStep?: PendingTwoStep;
    /** A WebAuthn challenge handed out and not yet answered. */
    webauthn?: { challenge: string; purpose: 'login' | 'register' | 'second-step'; at: number };
    /** The instance's policy wants a second factor this user has not set up: only the setup is open. */
    mustSetUpTwoStep?: boolean;
  }
}

/** A login waits this long for its second step. */
export const PENDING_TWO_STEP_MS = 5 * 60_000;

/** The pending login of this session, when it is of this instance and not too old. */
export function pendingTwoStep(req: Request, nowMs: number): PendingTwoStep | undefined {
  const pending = req.session?.twoStep;
  if (!pending || pending.tenantId !== req.tenant?.id || nowMs - pending.startedAt > PENDING_TWO_STEP_MS) return undefined;
  return pending;
}

/** Logs the user into this session; passport renews the session id, so a copy of the old cookie is worth nothing. */
export function logIn(req: Request, user: SessionUser): Promise<void> {
  return new Promise<void>((resolve, reject) => req.login(user, (err) => (err ? reject(err) : resolve())));
}

/** A second factor was just set up: the instance policy's hold ends. True when there was one (the person goes on to the start page). */
export function endRequiredSetup(req: Request): boolean {
  const held = !!req.session.mustSetUpTwoStep;
  delete req.session.mustSetUpTwoStep;
  return held;
}

/** Renew the idle timer at most this often, so a page view does not write the session every time. */
const LAST_SEEN_GRANULARITY_MS = 60_000;

/**
 * express-session in PostgreSQL (any app process can serve any session). The session id starts
 * with the tenant id: a cookie replayed on another instance's host is dropped before the store is
 * even asked, so it means nothing there and its own session stays untouched. While the store cannot
 * answer, a request with a session fails (503) rather than pass as anonymous.
 */
export function sessionMiddleware(config: AppConfig, pool: pg.Pool, reportError: (err: unknown) => void): RequestHandler {
  const name = config.secureCookies ? '__Host-sid' : 'sid';
  // Only the pruning of expired sessions logs here; a failed read or write reaches the request's error handler.
  const store = new PgSessionStore(pool, {
    ttlSeconds: config.sessionAbsoluteHours * 3600,
    pruneSeconds: 15 * 60,
    errorLog: (_message, err) => reportError(err),
  });
  const handler = session({
    name,
    store,
    secret: config.sessionSecret,
    resave: false,
    saveUninitialized: false,
    rolling: false,
    proxy: config.trustProxy,
    genid: (req) => `${req.tenant!.id}.${randomBytes(24).toString('base64url')}`,
    cookie: { httpOnly: true, sameSite: 'lax', secure: config.secureCookies, path: '/' },
  });
  // One middleware: drop a session cookie of another instance, and skip the session entirely for
  // an anonymous page view (no cookie, nothing to save), so it costs no store round trip.
  return (req: Request, res: Response, next: NextFunction) => {
    if (!req.tenant) return next();
    let hasSession = false;
    const header = req.headers.cookie;
    if (header) {
      req.headers.cookie = header
        .split(';')
        .filter((part) => {
          const [key, value = ''] = part.trim().split('=');
          if (key !== name) return true;
          const mine = !!decodeCookieValue(value)?.startsWith(`s:${req.tenant!.id}.`);
          hasSession ||= mine;
          return mine;
        })
        .join(';');
    }
    if (!hasSession && (req.method === 'GET' || req.method === 'HEAD')) return next();
    handler(req, res, next);
  };
}

/** Ends a session past its idle timeout or its absolute lifetime; marks the request so the login page can say so. */
export function sessionTimeouts(config: AppConfig, clock: Clock): RequestHandler {
  const idleMs = config.sessionIdleMinutes * 60_000;
  const absoluteMs = config.sessionAbsoluteHours * 3_600_000;
  return (req, _res, next) => {
    const principal = req.session?.passport?.user as SessionPrincipal | undefined;
    if (!principal) return next();
    const now = clock.now().getTime();
    const lastSeen = req.session.lastSeen ?? principal.createdAt;
    if (principal.tenantId !== req.tenant?.id || now - principal.createdAt > absoluteMs || now - lastSeen > idleMs) {
      req.sessionExpired = true;
      return req.session.destroy((err) => next(err));
    }
    if (now - lastSeen > LAST_SEEN_GRANULARITY_MS) req.session.lastSeen = now;
    next();
  };
}

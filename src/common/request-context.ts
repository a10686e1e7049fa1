import type { Tenant } from '../tenancy/tenant.entity.js';

/** The logged-in user as every request sees it: one row read per request, no entity graph. */
export interface SessionUser {
  id: number;
  tenantId: number;
  login: string;
  name: string;
  userType: string;
  roleCount: number;
  permissions: string[];
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends SessionUser {}
    interface Request {
      tenant?: Tenant;
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
  }
}

export {};

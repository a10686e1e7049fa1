import { Injectable } from '@nestjs/common';
import { PassportSerializer } from '@nestjs/passport';
import passport from 'passport';
import type { SessionUser } from '../users/session-user.js';
import { Clock } from '../common/clock.js';
import type { TenantId } from '../tenancy/tenant-id.js';
import { canLogIn } from '../users/user-type.js';
import { PRELOADED_USER, SessionsRepository } from './sessions.repository.js';

/** What the session keeps of a login: ids and when it began. The rest is read fresh per request. */
export interface SessionPrincipal {
  id: number;
  tenantId: TenantId;
  createdAt: number;
}

@Injectable()
export class SessionSerializer extends PassportSerializer {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly clock: Clock,
  ) {
    super();
    // passport is one object per process and keeps every serializer ever registered, first one
    // first. Like strategies (last one wins), the app built last owns it: without this, a second
    // app in one process (tests) would read sessions through the first app's closed database.
    const registry = passport as unknown as { _serializers: unknown[]; _deserializers: unknown[] };
    registry._serializers.splice(0, registry._serializers.length - 1);
    registry._deserializers.splice(0, registry._deserializers.length - 1);
  }

  serializeUser(user: SessionUser, done: (err: Error | null, principal: SessionPrincipal) => void): void {
    done(null, { id: user.id, tenantId: user.tenantId, createdAt: this.clock.now().getTime() });
  }

  // A user whose type no longer allows login (or who is gone) is simply logged out.
  // The session store usually read the user with the session (one statement); otherwise it is read here.
  deserializeUser(principal: SessionPrincipal, done: (err: Error | null, user?: SessionUser | false) => void): void {
    const preloaded = (principal as SessionPrincipal & { [PRELOADED_USER]?: SessionUser | null })[PRELOADED_USER];
    if (preloaded !== undefined) return done(null, preloaded && preloaded.tenantId === principal.tenantId && canLogIn(preloaded.userType) ? preloaded : false);
    this.sessions.findSessionUser(principal.tenantId, principal.id).then(
      (user) => done(null, user && canLogIn(user.userType) ? user : false),
      (err: Error) => done(err),
    );
  }
}

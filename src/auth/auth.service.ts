import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import type { SessionUser } from '../users/session-user.js';
import type { Tenant } from '../tenancy/tenant.entity.js';
import { canLogIn } from '../users/user-type.js';
import { UsersRepository } from '../users/users.repository.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { verifyPassword } from '../users/password-hasher.js';

/** Checks a login attempt. Every failure looks the same from outside: same answer, same hashing cost. */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly throttle: LoginThrottleService,
    private readonly audit: AuditService,
  ) {}

  async authenticate(tenant: Tenant, login: string, password: string, ip: string): Promise<SessionUser | undefined> {
    const accountKey = LoginThrottleService.accountKey(tenant.id, login);
    const addressKey = LoginThrottleService.addressKey(ip);
    // Both reads at once; a throttled attempt then goes on exactly like a failed one.
    const [{ allowed, accountFailures }, found] = await Promise.all([this.throttle.check(accountKey, addressKey), this.users.findForLogin(tenant.id, login)]);
    const user = allowed ? found : undefined;
    const passwordOk = await verifyPassword(user?.password_hash, password);

    if (!allowed || !user || !passwordOk || !canLogIn(user.user_type)) {
      await this.throttle.recordFailure(accountKey, addressKey);
      const reason = !allowed ? 'throttled' : !user ? 'unknown_login' : !passwordOk ? 'bad_password' : 'cannot_log_in';
      await this.audit.record({
        tenantId: tenant.id,
        event: 'authn_login_fail',
        target: user ? { type: 'user', id: user.id } : null,
        ip,
        details: { login: login.slice(0, 64), reason },
      });
      return undefined;
    }
    const [sessionUser] = await Promise.all([
      this.users.findSessionUser(tenant.id, user.id),
      accountFailures > 0 ? this.throttle.recordSuccess(accountKey) : undefined,
      this.audit.record({ tenantId: tenant.id, event: 'authn_login_success', actor: { id: user.id, login: user.login }, ip }),
    ]);
    return sessionUser;
  }
}

import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import type { SessionUser } from '../users/session-user.js';
import type { Tenant } from '../tenancy/tenant.entity.js';
import { canLogIn } from '../users/user-type.js';
import { UsersRepository } from '../users/users.repository.js';
import { LoginThrottleService, type ThrottleKeys } from './login-throttle.service.js';
import { verifyPassword } from '../users/password-hasher.js';

/** Checks a login attempt. Every failure looks the same from outside: same answer, same hashing cost. */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly throttle: LoginThrottleService,
    private readonly audit: AuditService,
  ) {}

  /** `device` is the id of a browser that logged in as this login before (DeviceCookies), if any. */
  async authenticate(tenant: Tenant, login: string, password: string, ip: string, device?: string): Promise<SessionUser | undefined> {
    const keys: ThrottleKeys = {
      account: LoginThrottleService.accountKey(tenant.id, login),
      address: LoginThrottleService.addressKey(ip),
      device: device && LoginThrottleService.deviceKey(tenant.id, device),
    };
    // Both reads at once; a throttled attempt then goes on exactly like a failed one.
    const [{ allowed, failures }, found] = await Promise.all([this.throttle.check(keys), this.users.findForLogin(tenant.id, login)]);
    const user = allowed ? found : undefined;
    const passwordOk = await verifyPassword(user?.password_hash, password);

    if (!allowed || !user || !passwordOk || !canLogIn(user.user_type)) {
      await this.throttle.recordFailure(keys);
      const reason = !allowed ? 'throttled' : !user ? 'unknown_login' : !passwordOk ? 'bad_password' : 'cannot_log_in';
      await this.audit.record({
        tenantId: tenant.id,
        event: 'authn_login_fail',
        target: user ? { type: 'user', id: user.id } : null,
        ip,
        details: { login: login.slice(0, 64), reason, ...(device ? { trustedBrowser: true } : {}) },
      });
      return undefined;
    }
    const [sessionUser] = await Promise.all([
      this.users.findSessionUser(tenant.id, user.id),
      failures > 0 ? this.throttle.recordSuccess(keys) : undefined,
      this.audit.record({ tenantId: tenant.id, event: 'authn_login_success', actor: { id: user.id, login: user.login }, ip }),
    ]);
    return sessionUser;
  }
}

import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import type { SessionUser } from '../users/session-user.js';
import type { Tenant } from '../tenancy/tenant.entity.js';
import { canLogIn } from '../users/user-type.js';
import { SessionsRepository } from './sessions.repository.js';
import { UsersRepository } from '../users/users.repository.js';
import { LoginThrottleService, type ThrottleKeys } from './login-throttle.service.js';
import { verifyPassword } from '../users/password-hasher.js';

/** Why a password check failed, as the audit log says it (never shown to the person). */
type FailReason = 'throttled' | 'unknown_login' | 'bad_password' | 'cannot_log_in' | 'deactivated';

/** Checks a login attempt. Every failure looks the same from outside: same answer, same hashing cost. */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
    private readonly throttle: LoginThrottleService,
    private readonly audit: AuditService,
  ) {}

  /** `device` is the id of a browser that logged in as this login before (DeviceCookies), if any. */
  async authenticate(tenant: Tenant, login: string, password: string, ip: string, device?: string): Promise<SessionUser | undefined> {
    const checked = await this.check(tenant, login, password, ip, device, 'authn_login_fail');
    if (!checked) return undefined;
    const [sessionUser] = await Promise.all([
      this.sessions.findSessionUser(tenant.id, checked.id),
      checked.failures > 0 ? this.throttle.recordSuccess(checked.keys) : undefined,
      this.users.recordLogin(tenant.id, checked.id),
      this.audit.record({ tenantId: tenant.id, event: 'authn_login_success', actor: { id: checked.id, login: checked.login }, ip }),
    ]);
    return sessionUser;
  }

  /**
   * A logged-in user confirms their password (Change password): checked and counted exactly like a
   * login, so a stolen session cannot guess it faster than a login could.
   */
  async confirmPassword(tenant: Tenant, user: SessionUser, password: string, ip: string, device?: string): Promise<boolean> {
    const checked = await this.check(tenant, user.login, password, ip, device, 'authn_password_confirm_fail');
    if (checked && checked.failures > 0) await this.throttle.recordSuccess(checked.keys);
    return !!checked && checked.id === user.id;
  }

  private async check(tenant: Tenant, login: string, password: string, ip: string, device: string | undefined, failEvent: string) {
    const keys: ThrottleKeys = {
      account: LoginThrottleService.accountKey(tenant.id, login),
      address: LoginThrottleService.addressKey(ip),
      device: device && LoginThrottleService.deviceKey(tenant.id, device),
    };
    // Both reads at once; a throttled attempt then goes on exactly like a failed one.
    const [{ allowed, failures }, found] = await Promise.all([this.throttle.check(keys), this.users.findForLogin(tenant.id, login)]);
    const user = allowed ? found : undefined;
    const passwordOk = await verifyPassword(user?.password_hash, password);
    const reason: FailReason | undefined = !allowed
      ? 'throttled'
      : !user
        ? 'unknown_login'
        : !passwordOk
          ? 'bad_password'
          : !canLogIn(user.user_type)
            ? 'cannot_log_in'
            : user.deactivated
              ? 'deactivated'
              : undefined;
    if (reason || !user) {
      await this.throttle.recordFailure(keys);
      await this.audit.record({
        tenantId: tenant.id,
        event: failEvent,
        target: user ? { type: 'user', id: user.id } : null,
        ip,
        details: { login: login.slice(0, 64), reason, ...(device ? { trustedBrowser: true } : {}) },
      });
      return undefined;
    }
    return { id: user.id, login: user.login, keys, failures };
  }
}

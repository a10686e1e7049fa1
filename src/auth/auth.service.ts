import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import type { SessionUser } from '../users/session-user.js';
import { TenantSettingsRepository } from '../tenancy/tenant-settings.repository.js';
import type { Tenant } from '../tenancy/tenant.entity.js';
import { canLogIn } from '../users/user-type.js';
import { SessionsRepository } from './sessions.repository.js';
import { UsersRepository } from '../users/users.repository.js';
import { LoginThrottleService, type ThrottleKeys } from './login-throttle.service.js';
import { verifyPassword } from '../users/password-hasher.js';
import { TwoStepService, type SecondFactors } from './two-step.service.js';

/** Why a password check failed, as the audit log says it (never shown to the person). */
type FailReason = 'throttled' | 'unknown_login' | 'bad_password' | 'cannot_log_in' | 'deactivated';

/** How a login was completed, as the audit log says it. */
type LoginMethod = 'password' | 'totp' | 'recovery_code' | 'passkey';

/**
 * A right password: either the person is logged in (with `mustSetUpTwoStep` when the instance's
 * policy wants a second factor they do not have yet), or a second step is still to come.
 */
export type PasswordOutcome =
  { kind: 'logged-in'; user: SessionUser; mustSetUpTwoStep: boolean } | { kind: 'second-step'; user: SessionUser; factors: SecondFactors };

/** A login waiting for its second step (kept in the session, without a logged-in user). */
interface PendingLogin {
  userId: number;
  login: string;
}

/** The throttle counters an attempt for this login from this client touches. */
function throttleKeys(tenantId: number, login: string, ip: string, device?: string): ThrottleKeys {
  return {
    account: LoginThrottleService.accountKey(tenantId, login),
    address: LoginThrottleService.addressKey(ip),
    device: device && LoginThrottleService.deviceKey(tenantId, device),
  };
}

/** Checks a login attempt. Every failure looks the same from outside: same answer, same hashing cost. */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
    private readonly throttle: LoginThrottleService,
    private readonly audit: AuditService,
    private readonly twoStep: TwoStepService,
    private readonly settings: TenantSettingsRepository,
  ) {}

  /**
   * `device` is the id of a browser that logged in as this login before (DeviceCookies), if any.
   * A user with a second factor is not logged in yet, and the failure count of the account stands
   * until the second step passes: failed codes count toward the same lock as failed passwords.
   */
  async authenticate(tenant: Tenant, login: string, password: string, ip: string, device?: string): Promise<PasswordOutcome | undefined> {
    const checked = await this.check(tenant, login, password, ip, device, 'authn_login_fail');
    if (!checked) return undefined;
    const factors = await this.twoStep.factorsOf(tenant.id, checked.id);
    if (factors.totp || factors.passkeys) {
      const [user] = await Promise.all([
        this.sessions.findSessionUser(tenant.id, checked.id),
        this.audit.record({ tenantId: tenant.id, event: 'authn_password_ok_second_step', actor: { id: checked.id, login: checked.login }, ip }),
      ]);
      return user && { kind: 'second-step', user, factors };
    }
    const user = await this.finishLogin(tenant, checked, ip, 'password');
    // The instance's policy concerns only users who may use the Security module: only they read it.
    const mustSetUpTwoStep = !!user?.permissions.includes('security') && (await this.settings.get(tenant.id)).requireTwoStepForAdmins;
    return user && { kind: 'logged-in', user, mustSetUpTwoStep };
  }

  /**
   * The second step: a code of the authenticator app or a recovery code. Throttled and counted
   * exactly like a password, on the same keys; a success clears the count and logs the person in.
   */
  async verifySecondStep(tenant: Tenant, pending: PendingLogin, code: string, ip: string, device?: string): Promise<SessionUser | undefined> {
    const keys = throttleKeys(tenant.id, pending.login, ip, device);
    const { allowed, failures } = await this.throttle.check(keys);
    const kind = allowed ? await this.twoStep.verifyCode(tenant.id, pending.userId, code.slice(0, 100)) : undefined;
    const base = { tenantId: tenant.id, actor: { id: pending.userId, login: pending.login }, target: { type: 'user', id: pending.userId }, ip };
    if (!kind) {
      await this.throttle.recordFailure(keys);
      await this.audit.record({
        ...base,
        event: 'authn_second_step_fail',
        details: { reason: allowed ? 'wrong_code' : 'throttled', ...(device ? { trustedBrowser: true } : {}) },
      });
      return undefined;
    }
    if (kind === 'recovery_code') {
      const left = await this.twoStep.recoveryCodesLeft(tenant.id, pending.userId);
      await this.audit.record({ ...base, event: 'two_step_recovery_code_used', details: { left } });
    }
    return this.finishLogin(tenant, { id: pending.userId, login: pending.login, keys, failures }, ip, kind);
  }

  /** A verified passkey assertion logs its user in (it is both factors at once); the password locks do not apply. */
  async passkeyLogin(tenant: Tenant, userId: number, ip: string): Promise<SessionUser | undefined> {
    const user = await this.sessions.findSessionUser(tenant.id, userId);
    if (!user || !canLogIn(user.userType)) return undefined;
    return this.finishLogin(tenant, { id: user.id, login: user.login, failures: 0, user }, ip, 'passkey');
  }

  /** The end of every successful login: the user as the session will hold them, the count cleared, recorded. */
  private async finishLogin(
    tenant: Tenant,
    who: { id: number; login: string; keys?: ThrottleKeys; failures: number; user?: SessionUser },
    ip: string,
    method: LoginMethod,
  ): Promise<SessionUser | undefined> {
    const [sessionUser] = await Promise.all([
      // A passkey login read the user already to check it.
      who.user ?? this.sessions.findSessionUser(tenant.id, who.id),
      who.keys && who.failures > 0 ? this.throttle.recordSuccess(who.keys) : undefined,
      this.users.recordLogin(tenant.id, who.id),
      this.audit.record({
        tenantId: tenant.id,
        event: 'authn_login_success',
        actor: { id: who.id, login: who.login },
        ip,
        ...(method === 'password' ? {} : { details: { method } }),
      }),
    ]);
    return sessionUser && canLogIn(sessionUser.userType) ? sessionUser : undefined;
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
    const keys = throttleKeys(tenant.id, login, ip, device);
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

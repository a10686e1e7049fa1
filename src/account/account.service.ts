import { Injectable } from '@nestjs/common';
import { AuthService } from '../auth/auth.service.js';
import { hashPassword } from '../users/password-hasher.js';
import { newPasswordErrors } from '../users/password-policy.js';
import { PasskeysRepository } from '../auth/passkeys.repository.js';
import { SessionsRepository } from '../auth/sessions.repository.js';
import { TwoStepService } from '../auth/two-step.service.js';
import type { FieldErrors } from '../common/validate-form.js';
import type { SessionUser } from '../users/session-user.js';
import type { Tenant } from '../tenancy/tenant.entity.js';
import { UsersRepository } from '../users/users.repository.js';
import { UsersService } from '../users/users.service.js';

export interface PasswordChange {
  currentPassword: string;
  password: string;
  confirmPassword: string;
}

/** My account: what a person sees and changes about themself. */
@Injectable()
export class AccountService {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersRepository,
    private readonly usersService: UsersService,
    private readonly sessions: SessionsRepository,
    private readonly twoStep: TwoStepService,
    private readonly passkeys: PasskeysRepository,
  ) {}

  async overview(tenant: Tenant, me: SessionUser) {
    const [row, totpOn, codesLeft, passkeys] = await Promise.all([
      this.users.accountOf(tenant.id, me.id),
      this.twoStep.totpOn(tenant.id, me.id),
      this.twoStep.recoveryCodesLeft(tenant.id, me.id),
      this.passkeys.listOf(tenant.id, me.id),
    ]);
    return {
      email: row?.email ?? null,
      previousLogin: row?.previous_login_at ?? null,
      totpOn,
      recoveryCodesLeft: codesLeft,
      passkeys: passkeys.map((p) => ({ id: p.id, name: p.name, createdAt: p.created_at, lastUsedAt: p.last_used_at })),
    };
  }

  /**
   * Changes the password after checking the current one (a wrong one counts as a failed login).
   * Every other session of the user ends; the caller renews the id of this one.
   */
  async changePassword(tenant: Tenant, me: SessionUser, sid: string, form: PasswordChange, ip: string, device?: string): Promise<FieldErrors | undefined> {
    const errors: FieldErrors = { ...newPasswordErrors(form.password, form.confirmPassword, me) };
    if (!(await this.auth.confirmPassword(tenant, me, form.currentPassword, ip, device))) {
      errors.currentPassword = 'This is not your current password.';
    }
    if (!errors.password && !errors.confirmPassword && form.password === form.currentPassword)
      errors.password = 'Choose a password other than your current one.';
    if (Object.keys(errors).length) return errors;

    await this.usersService.changePassword(tenant.id, me, await hashPassword(form.password), ip);
    await this.sessions.endAllOf(tenant.id, me.id, sid);
    return undefined;
  }
}

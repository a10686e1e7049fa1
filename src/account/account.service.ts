import { Injectable } from '@nestjs/common';
import { AuthService } from '../auth/auth.service.js';
import { hashPassword } from '../users/password-hasher.js';
import { passwordProblem } from '../users/password-policy.js';
import { SessionsRepository } from '../auth/sessions.repository.js';
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
  ) {}

  async overview(tenant: Tenant, me: SessionUser) {
    const row = await this.users.accountOf(tenant.id, me.id);
    return { email: row?.email ?? null, previousLogin: row?.previous_login_at ?? null };
  }

  /**
   * Changes the password after checking the current one (a wrong one counts as a failed login).
   * Every other session of the user ends; the caller renews the id of this one.
   */
  async changePassword(tenant: Tenant, me: SessionUser, sid: string, form: PasswordChange, ip: string, device?: string): Promise<FieldErrors | undefined> {
    const errors: FieldErrors = {};
    if (!(await this.auth.confirmPassword(tenant, me, form.currentPassword, ip, device))) {
      errors.currentPassword = 'This is not your current password.';
    }
    const problem = passwordProblem(form.password, { login: me.login, name: me.name });
    if (problem) errors.password = problem;
    else if (form.password !== form.confirmPassword) errors.confirmPassword = 'The passwords do not match.';
    else if (form.password === form.currentPassword) errors.password = 'Choose a password other than your current one.';
    if (Object.keys(errors).length) return errors;

    await this.usersService.changePassword(tenant.id, me, await hashPassword(form.password), ip);
    await this.sessions.endAllOf(tenant.id, me.id, sid);
    return undefined;
  }
}

import { Holder, type AccountHolder } from './account-holder.decorator.js';
import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DeviceCookies } from '../auth/device-cookie.js';
import { logIn } from '../auth/session.js';
import { AppConfig } from '../config/app-config.js';
import { AllowNoRoles } from '../common/decorators.js';
import { own } from '../common/own.js';
import type { SessionUser } from '../users/session-user.js';
import { validateForm, type FieldErrors } from '../common/validate-form.js';
import type { Tenant } from '../tenancy/tenant.entity.js';
import { AccountService } from './account.service.js';
import { ChangePasswordDto } from './dto/change-password.dto.js';
import { LanguageDto } from './dto/language.dto.js';
import { LANGUAGE_OPTIONS } from '../common/i18n/i18n.js';
import { UsersService } from '../users/users.service.js';

const NOTICES: Record<string, string> = {
  'password-changed': 'Your password has been changed. You were logged out everywhere else.',
  'two-step-off': 'The authenticator app is turned off, and its recovery codes no longer work.',
  'passkey-added': 'Your passkey was added. You can log in with it now.',
  'passkey-removed': 'The passkey was removed.',
  'language-changed': 'account.languageSaved',
};

const ERRORS: Record<string, string> = {
  'two-step-wrong-password': 'The authenticator app is still on: that is not your current password.',
};

/** My account (/account): who I am in this instance, and Change password. Open to every logged-in user, with or without roles. */
@AllowNoRoles()
@Controller('account')
export class AccountController {
  constructor(
    private readonly account: AccountService,
    private readonly users: UsersService,
    private readonly devices: DeviceCookies,
    private readonly config: AppConfig,
  ) {}

  @Get()
  async page(@Holder() { tenant, me }: AccountHolder, @Query('notice') notice: unknown, @Query('error') error: unknown, @Res() res: Response) {
    await this.render(res, tenant, me, 200, {}, own(NOTICES, notice), own(ERRORS, error));
  }

  /** The person's own language: every page from the next one on (empty: the instance's default). */
  @Post('language')
  async changeLanguage(@Holder() { tenant, me, ip }: AccountHolder, @Body() body: unknown, @Res() res: Response) {
    const { value, errors } = await validateForm(LanguageDto, body);
    if (Object.keys(errors).length) return this.render(res, tenant, me, 400, {}, undefined, 'account.languageRefused');
    const language = value.language || null;
    if (language !== me.language) await this.users.changeLanguage(tenant.id, me, language, ip);
    res.redirect(303, '/account?notice=language-changed');
  }

  @Post('password')
  async changePassword(@Holder() { tenant, me, ip }: AccountHolder, @Body() body: unknown, @Req() req: Request, @Res() res: Response) {
    const { value, errors } = await validateForm(ChangePasswordDto, body);
    if (Object.keys(errors).length) return this.render(res, tenant, me, 400, { _form: 'Fill in each field once, as text.' });
    const form = { currentPassword: value.currentPassword ?? '', password: value.password ?? '', confirmPassword: value.confirmPassword ?? '' };
    const problems = await this.account.changePassword(tenant, me, req.sessionID, form, ip, this.devices.trustedDevice(req, tenant.id, me.login));
    if (problems) return this.render(res, tenant, me, 400, problems);
    // The same person goes on under a new session id: a copy of the old cookie is worth nothing now.
    await logIn(req, me);
    res.redirect(303, '/account?notice=password-changed');
  }

  private async render(res: Response, tenant: Tenant, me: SessionUser, status: number, errors: FieldErrors, notice?: string, error?: string) {
    const overview = await this.account.overview(tenant, me);
    res.status(status).render('account/index', {
      title: 'layout.myAccount',
      accountActive: true,
      ...overview,
      languages: LANGUAGE_OPTIONS.map((option) => ({ ...option, selected: option.value === (me.language ?? '') })),
      instanceHost: this.config.tenantHost(tenant.name),
      errors,
      hasErrors: Object.keys(errors).length > 0,
      notice,
      error,
      passkeyScripts: true,
    });
  }
}

import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ClientIp, Public } from '../common/decorators.js';
import { CurrentTenant } from '../tenancy/current-tenant.decorator.js';
import { formatDateTime } from '../common/i18n/i18n.js';
import { readerLanguage, setPageLanguage } from '../common/i18n/language.js';
import type { Tenant } from '../tenancy/tenant.entity.js';
import { NewPasswordDto } from '../users/dto/new-password.dto.js';
import type { NewPasswordErrors } from '../users/password-policy.js';
import { ForgotPasswordDto } from './dto/password-reset.dto.js';
import { RESET_PATH } from './password-reset.composer.js';
import { FORGOT_ANSWER, PasswordResetService } from './password-reset.service.js';
import { privatePage } from '../common/private-page.js';
import { deadLinkStatus, type DeadLinkStatus } from '../links/link-state.js';

/** What each dead Reset password link says, and what to do (catalogue keys). */
const DEAD: Record<DeadLinkStatus, { title: string; text: string }> = {
  expired: { title: 'reset.dead.expired.title', text: 'reset.dead.expired.text' },
  used: { title: 'reset.dead.used.title', text: 'reset.dead.used.text' },
  replaced: { title: 'reset.dead.replaced.title', text: 'reset.dead.replaced.text' },
  revoked: { title: 'reset.dead.revoked.title', text: 'reset.dead.revoked.text' },
  unknown: { title: 'signup.dead.unknown.title', text: 'reset.dead.unknown.text' },
};

/** Forgot password (from the login page) and the Reset password page behind the mailed link. Open to anyone. */
@Public()
@Controller('password')
export class PasswordResetController {
  constructor(private readonly resets: PasswordResetService) {}

  @Get('forgot')
  forgotPage(@Res() res: Response) {
    res.render('auth/forgot', { layout: 'layouts/public', title: 'forgot.title' });
  }

  /** The same page, words and status whatever was typed. */
  @Post('forgot')
  async forgot(@CurrentTenant() tenant: Tenant, @Body() form: ForgotPasswordDto, @ClientIp() ip: string, @Res() res: Response) {
    await this.resets.request(tenant.id, form.login ?? '', ip);
    res.status(200).render('auth/forgot', { layout: 'layouts/public', title: 'forgot.title', answer: FORGOT_ANSWER });
  }

  @Get('reset/:token')
  async resetPage(@CurrentTenant() tenant: Tenant, @Param('token') token: string, @Res() res: Response) {
    privatePage(res);
    const state = await this.resets.linkState(tenant.id, token);
    if (state.kind !== 'valid') return dead(res, state.kind);
    form(res, tenant, token, state);
  }

  @Post('reset/:token')
  async reset(@CurrentTenant() tenant: Tenant, @Param('token') token: string, @Body() body: NewPasswordDto, @ClientIp() ip: string, @Res() res: Response) {
    privatePage(res);
    const result = await this.resets.reset(tenant.id, token, body.password ?? '', body.confirmPassword ?? '', ip);
    if (result.kind === 'done') return res.redirect(303, `/login?notice=password-reset&login=${encodeURIComponent(result.login)}`);
    if (result.kind === 'invalid') return form(res, tenant, token, result, result.errors);
    dead(res, result.kind);
  }
}

function dead(res: Response, kind: DeadLinkStatus): void {
  const page = DEAD[kind];
  res.status(deadLinkStatus(kind)).render('auth/reset-dead', { layout: 'layouts/public', title: page.title, text: page.text });
}

/** The Reset password form, in its user's language (theirs, else the instance's default), like the mail. */
function form(
  res: Response,
  tenant: Tenant,
  token: string,
  user: { login: string; name: string; language: string | null; expiresAt: Date },
  errors?: NewPasswordErrors,
): void {
  const lang = readerLanguage(user.language, tenant.defaultLanguage);
  setPageLanguage(res, lang);
  res.status(errors ? 400 : 200).render('auth/reset', {
    layout: 'layouts/public',
    title: 'reset.title',
    action: `${RESET_PATH}/${token}`,
    login: user.login,
    name: user.name,
    errors,
    expiresAt: formatDateTime(user.expiresAt, lang, tenant.timeZone),
  });
}

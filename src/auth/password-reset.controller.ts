import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ClientIp, Public } from '../common/decorators.js';
import { CurrentTenant } from '../tenancy/current-tenant.decorator.js';
import { formatDate } from '../common/views.js';
import type { Tenant } from '../tenancy/tenant.entity.js';
import { NewPasswordDto } from '../users/dto/new-password.dto.js';
import type { NewPasswordErrors } from '../users/password-policy.js';
import { ForgotPasswordDto } from './dto/password-reset.dto.js';
import { RESET_PATH } from './password-reset.composer.js';
import { FORGOT_ANSWER, PasswordResetService, type DeadResetLink } from './password-reset.service.js';
import { privatePage } from '../common/private-page.js';

/** What each dead Reset password link says, and what to do. */
const DEAD: Record<DeadResetLink, { status: number; title: string; text: string }> = {
  expired: {
    status: 410,
    title: 'This reset link has expired',
    text: 'The link was valid for a limited time only. Ask for a new one: your password has not changed.',
  },
  used: {
    status: 410,
    title: 'This reset link has already been used',
    text: 'A new password was already set with this link. Log in with it, or ask for a new link.',
  },
  replaced: {
    status: 410,
    title: 'This reset link was replaced',
    text: 'A newer link was sent to you, or your password was already reset. Use the newest mail, or ask for a new link.',
  },
  revoked: { status: 410, title: 'This reset link no longer works', text: 'It was withdrawn. Ask for a new one, or ask your administrator.' },
  unknown: {
    status: 404,
    title: 'This link is not valid',
    text: 'The link is incomplete or not meant for this site. Copy the whole link from the mail, or ask for a new one.',
  },
};

/** Forgot password (from the login page) and the Reset password page behind the mailed link. Open to anyone. */
@Public()
@Controller('password')
export class PasswordResetController {
  constructor(private readonly resets: PasswordResetService) {}

  @Get('forgot')
  forgotPage(@Res() res: Response) {
    res.render('auth/forgot', { layout: 'layouts/public', title: 'Forgot password' });
  }

  /** The same page, words and status whatever was typed. */
  @Post('forgot')
  async forgot(@CurrentTenant() tenant: Tenant, @Body() form: ForgotPasswordDto, @ClientIp() ip: string, @Res() res: Response) {
    await this.resets.request(tenant.id, form.login ?? '', ip);
    res.status(200).render('auth/forgot', { layout: 'layouts/public', title: 'Forgot password', answer: FORGOT_ANSWER });
  }

  @Get('reset/:token')
  async resetPage(@CurrentTenant() tenant: Tenant, @Param('token') token: string, @Res() res: Response) {
    privatePage(res);
    const state = await this.resets.linkState(tenant.id, token);
    if (state.kind !== 'valid') return dead(res, state.kind);
    form(res, token, state);
  }

  @Post('reset/:token')
  async reset(@CurrentTenant() tenant: Tenant, @Param('token') token: string, @Body() body: NewPasswordDto, @ClientIp() ip: string, @Res() res: Response) {
    privatePage(res);
    const result = await this.resets.reset(tenant.id, token, body.password ?? '', body.confirmPassword ?? '', ip);
    if (result.kind === 'done') return res.redirect(303, `/login?notice=password-reset&login=${encodeURIComponent(result.login)}`);
    if (result.kind === 'invalid') return form(res, token, result, result.errors);
    dead(res, result.kind);
  }
}

function dead(res: Response, kind: DeadResetLink): void {
  const page = DEAD[kind];
  res.status(page.status).render('auth/reset-dead', { layout: 'layouts/public', title: page.title, text: page.text });
}

function form(res: Response, token: string, user: { login: string; name: string; expiresAt: Date }, errors?: NewPasswordErrors): void {
  res.status(errors ? 400 : 200).render('auth/reset', {
    layout: 'layouts/public',
    title: 'Reset password',
    action: `${RESET_PATH}/${token}`,
    login: user.login,
    name: user.name,
    errors,
    expiresAt: formatDate(user.expiresAt),
  });
}

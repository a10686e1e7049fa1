import { Holder, type AccountHolder } from './account-holder.decorator.js';
import { Body, Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import QRCode from 'qrcode';
import { AuthService } from '../auth/auth.service.js';
import { DeviceCookies } from '../auth/device-cookie.js';
import { endRequiredSetup } from '../auth/session.js';
import { TwoStepService } from '../auth/two-step.service.js';
import { AllowDuringTwoStepSetup, AllowNoRoles } from '../common/decorators.js';
import type { SessionUser } from '../users/session-user.js';
import { validateForm } from '../common/validate-form.js';
import { AppConfig } from '../config/app-config.js';
import type { Tenant } from '../tenancy/tenant.entity.js';
import { totpUri } from '../auth/totp.js';
import { CodeFormDto, PasswordConfirmDto } from './dto/two-step.dto.js';

/**
 * My account > Two-step login > Set up authenticator app (/account/two-step/app): a QR code made
 * here (a data: URI, no outside service), the secret as text, and a code to confirm; then the
 * recovery codes, shown once. Also open while the instance's policy holds the user until it is done.
 */
@AllowNoRoles()
@Controller('account/two-step/app')
export class TwoStepAppController {
  constructor(
    private readonly twoStep: TwoStepService,
    private readonly auth: AuthService,
    private readonly devices: DeviceCookies,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @AllowDuringTwoStepSetup()
  async page(@Holder() { tenant, me }: AccountHolder, @Req() req: Request, @Res() res: Response) {
    await this.renderSetup(req, res, tenant, me, 200);
  }

  @Post()
  @AllowDuringTwoStepSetup()
  async turnOn(@Holder() { tenant, me, ip }: AccountHolder, @Body() body: unknown, @Req() req: Request, @Res() res: Response) {
    const { value, errors } = await validateForm(CodeFormDto, body);
    const code = typeof value.code === 'string' ? value.code.trim() : '';
    if (Object.keys(errors).length || code === '') return this.renderSetup(req, res, tenant, me, 400, 'Type the six-digit code your app shows.');
    const codes = await this.twoStep.confirmTotp(tenant.id, me, code, ip);
    if (!codes) return this.renderSetup(req, res, tenant, me, 400, 'That code is not right. Check that the app shows this instance and type its current code.');
    res.status(200).render('account/recovery-codes', { title: 'Recovery codes', accountActive: true, codes, next: endRequiredSetup(req) ? '/' : '/account' });
  }

  @Post('off')
  async turnOff(@Holder() { tenant, me, ip }: AccountHolder, @Body() body: unknown, @Req() req: Request, @Res() res: Response) {
    const { value, errors } = await validateForm(PasswordConfirmDto, body);
    const password = errors.currentPassword ? '' : (value.currentPassword ?? '');
    const device = this.devices.trustedDevice(req, tenant.id, me.login);
    if (!(await this.auth.confirmPassword(tenant, me, password, ip, device))) {
      return res.redirect(303, '/account?error=two-step-wrong-password');
    }
    await this.twoStep.turnOffTotp(tenant.id, me, ip);
    res.redirect(303, '/account?notice=two-step-off');
  }

  private async renderSetup(req: Request, res: Response, tenant: Tenant, me: SessionUser, status: number, error?: string) {
    const secret = await this.twoStep.pendingSecret(tenant.id, me.id);
    if (!secret) return res.redirect(303, '/account');
    const host = this.config.tenantHost(tenant.name);
    const qr = await QRCode.toDataURL(totpUri(secret, tenant.displayName, `${me.login}@${host}`), { margin: 2, width: 220 });
    const required = !!req.session.mustSetUpTwoStep;
    res.status(status).render('account/two-step-app', {
      title: 'Set up authenticator app',
      accountActive: true,
      qr,
      secretGroups: secret.match(/.{1,4}/g)!.join(' '),
      error,
      required,
      passkeyScripts: required,
    });
  }
}

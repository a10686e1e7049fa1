import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Clock } from '../common/clock.js';
import { clientAddress, Public } from '../common/decorators.js';
import { AuthService } from './auth.service.js';
import { DeviceCookies } from './device-cookie.js';
import { logIn, pendingTwoStep, type PendingTwoStep } from './session.js';

const WRONG_CODE_MESSAGE = 'Wrong code. Type the code your authenticator app shows now, or one of your recovery codes.';

/** The second step of a login: /login/two-step, reachable only with a pending login of this instance. */
@Controller('login/two-step')
export class TwoStepLoginController {
  constructor(
    private readonly auth: AuthService,
    private readonly devices: DeviceCookies,
    private readonly clock: Clock,
  ) {}

  @Public()
  @Get()
  page(@Req() req: Request, @Res() res: Response) {
    const pending = this.pending(req);
    if (!pending) return res.redirect(303, '/login?notice=two-step-expired');
    this.render(res, pending, 200);
  }

  @Public()
  @Post()
  async verify(@Req() req: Request, @Res() res: Response) {
    const pending = this.pending(req);
    if (!pending) return res.redirect(303, '/login?notice=two-step-expired');
    const code = typeof req.body?.code === 'string' ? req.body.code : '';
    if (code.trim() === '') return this.render(res, pending, 400, 'Type the code from your authenticator app, or a recovery code.');
    const device = this.devices.trustedDevice(req, pending.tenantId, pending.login);
    const user = await this.auth.verifySecondStep(req.tenant!, pending, code, clientAddress(req), device);
    if (!user) return this.render(res, pending, 401, WRONG_CODE_MESSAGE);
    await logIn(req, user); // a new session id: the pending session's id is worth nothing afterwards
    this.devices.issue(res, user.tenantId, user.login);
    res.redirect(303, pending.next);
  }

  private pending(req: Request): PendingTwoStep | undefined {
    return pendingTwoStep(req, this.clock.now().getTime());
  }

  private render(res: Response, pending: PendingTwoStep, status: number, error?: string) {
    res.status(status).render('auth/two-step', {
      layout: 'layouts/public',
      title: 'Two-step login',
      passkeyScripts: pending.passkeys,
      error,
      totp: pending.totp,
      passkeys: pending.passkeys,
    });
  }
}

import { Controller, Get, HttpCode, Post, Query, Render, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { AllowDuringTwoStepSetup, AllowNoRoles, clientAddress, Public } from '../common/decorators.js';
import { own } from '../common/own.js';
import { DeviceCookies } from './device-cookie.js';
import { LocalAuthGuard } from './local-auth.guard.js';
import { safeNext } from './safe-next.js';
import { PENDING_TWO_STEP_MS } from './session.js';

const NOTICES: Record<string, string> = {
  expired: 'Your session has ended. Please log in again.',
  'logged-out': 'You have logged out.',
  ready: 'Your account is ready. Log in with your login and new password.',
  'two-step-expired': 'The time for the second step ran out. Log in again.',
  'password-reset': 'Your new password is set, and you were logged out everywhere. Log in with it.',
};

@Controller()
export class AuthController {
  constructor(
    private readonly audit: AuditService,
    private readonly devices: DeviceCookies,
    private readonly clock: Clock,
  ) {}

  @Public()
  @Get('login')
  @Render('auth/login')
  loginPage(@Req() req: Request, @Res({ passthrough: true }) res: Response, @Query() query: Record<string, string>) {
    if (req.user) return res.redirect(303, safeNext(query.next));
    const notice = query.expired ? NOTICES.expired : own(NOTICES, query.notice);
    return { layout: 'layouts/public', title: 'Log in', passkeyScripts: true, next: query.next ? safeNext(query.next) : undefined, notice, login: query.login };
  }

  @Public()
  @Post('login')
  @HttpCode(303)
  @UseGuards(LocalAuthGuard)
  async login(@Req() req: Request, @Res() res: Response) {
    const outcome = req.loginOutcome!;
    const next = safeNext(req.body?.next);
    if (outcome.kind === 'second-step') {
      // Nobody is logged in until the second step passes: a fresh session holds only the pending login.
      req.user = undefined;
      await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
      req.session.cookie.maxAge = PENDING_TWO_STEP_MS;
      const { user, factors } = outcome;
      req.session.twoStep = { tenantId: user.tenantId, userId: user.id, login: user.login, startedAt: this.clock.now().getTime(), next, ...factors };
      return res.redirect(303, '/login/two-step');
    }
    this.devices.issue(res, req.user!.tenantId, req.user!.login);
    if (outcome.mustSetUpTwoStep) {
      req.session.mustSetUpTwoStep = true;
      return res.redirect(303, '/account/two-step/app');
    }
    res.redirect(303, next);
  }

  @AllowNoRoles()
  @AllowDuringTwoStepSetup()
  @Post('logout')
  async logout(@Req() req: Request, @Res() res: Response) {
    const user = req.user!;
    await this.audit.record({ tenantId: user.tenantId, event: 'session_logout', actor: { id: user.id, login: user.login }, ip: clientAddress(req) });
    // "Log out and continue" (a Create Account link opened while logged in) goes back to that page.
    const next = typeof req.body?.next === 'string' && req.body.next !== '' ? safeNext(req.body.next) : '/login?notice=logged-out';
    req.logout({ keepSessionInfo: false }, () => req.session.destroy(() => res.redirect(303, next)));
  }
}

import { Holder, type AccountHolder } from './account-holder.decorator.js';
import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import type { Request, Response } from 'express';
import { IdParam } from '../common/id-param.js';
import { CHALLENGE_MS, parseJson, refuse } from '../auth/passkey-login.controller.js';
import { endRequiredSetup } from '../auth/session.js';
import { PasskeyService } from '../auth/passkey.service.js';
import { Clock } from '../common/clock.js';
import { AllowDuringTwoStepSetup, AllowNoRoles } from '../common/decorators.js';
import { CsrfOnlyDto } from '../common/csrf-only.dto.js';

/**
 * My account > Passkeys: Add a passkey (the page's script asks for options, the browser makes the
 * passkey, the script posts it back: JSON answers) and Remove (a plain form).
 */
@AllowNoRoles()
@Controller('account/passkeys')
export class PasskeysController {
  constructor(
    private readonly passkeys: PasskeyService,
    private readonly clock: Clock,
  ) {}

  @Post('options')
  @HttpCode(200)
  @AllowDuringTwoStepSetup()
  async options(@Holder() { tenant, me }: AccountHolder, @Req() req: Request) {
    const options = await this.passkeys.registrationOptions(tenant, me);
    req.session.webauthn = { challenge: options.challenge, purpose: 'register', at: this.clock.now().getTime() };
    return options;
  }

  @Post()
  @AllowDuringTwoStepSetup()
  async add(@Holder() { tenant, me, ip }: AccountHolder, @Req() req: Request, @Res() res: Response) {
    const challenge = req.session.webauthn;
    delete req.session.webauthn;
    const name = typeof req.body?.name === 'string' ? req.body.name.trim().slice(0, 100) : '';
    if (!name) return refuse(req, res, 400, 'Give the passkey a name.');
    const response = parseJson<RegistrationResponseJSON>(req.body?.response);
    if (!challenge || challenge.purpose !== 'register' || this.clock.now().getTime() - challenge.at > CHALLENGE_MS || !response) {
      return refuse(req, res, 400, 'That took too long, or the page was old. Try again.');
    }
    const error = await this.passkeys.register(tenant, me, response, challenge.challenge, name, ip);
    if (error) return refuse(req, res, 400, error);
    res.status(200).json({ redirect: endRequiredSetup(req) ? '/' : '/account?notice=passkey-added' });
  }

  @Post(':id/remove')
  async remove(@Holder() { tenant, me, ip }: AccountHolder, @IdParam('id') id: number, @Body() _form: CsrfOnlyDto, @Res() res: Response) {
    await this.passkeys.remove(tenant, me, id, ip);
    res.redirect(303, '/account?notice=passkey-removed');
  }
}

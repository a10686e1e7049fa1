import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { textFor } from '../common/i18n/helpers.js';
import { pageLanguage } from '../common/i18n/language.js';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { Request, Response } from 'express';
import { Clock } from '../common/clock.js';
import { renderClientError } from '../common/http-exception.filter.js';
import { clientAddress, Public } from '../common/decorators.js';
import { AuthService } from './auth.service.js';
import { DeviceCookies } from './device-cookie.js';
import { PasskeyService } from './passkey.service.js';
import { safeNext } from './safe-next.js';
import { logIn, pendingTwoStep } from './session.js';

/** A challenge is good for this long (the browser's own timeout is shorter). */
export const CHALLENGE_MS = 3 * 60_000;
const PASSKEY_FAILED_MESSAGE = 'That passkey did not log you in. Use a passkey saved for this instance, or log in with your password.';
const SECOND_STEP_EXPIRED = 'The time for the second step ran out. Log in again.';

/**
 * Log in with a passkey (the login page's button, JavaScript only): options with a fresh challenge
 * kept in the session, then the browser's signed answer. Also the second step with a passkey, for a
 * login pending after its password. Answers are JSON for the page's script.
 */
@Controller('login')
export class PasskeyLoginController {
  constructor(
    private readonly passkeys: PasskeyService,
    private readonly auth: AuthService,
    private readonly devices: DeviceCookies,
    private readonly clock: Clock,
  ) {}

  @Public()
  @Post('passkey/options')
  @HttpCode(200)
  async options(@Req() req: Request) {
    const options = await this.passkeys.authenticationOptions(req.tenant!);
    req.session.webauthn = { challenge: options.challenge, purpose: 'login', at: this.clock.now().getTime() };
    // An anonymous session that holds only a challenge is kept no longer than the challenge is good.
    if (!req.session.passport?.user && !req.session.twoStep) req.session.cookie.maxAge = CHALLENGE_MS;
    return options;
  }

  @Public()
  @Post('passkey')
  async verify(@Req() req: Request, @Res() res: Response) {
    await this.finish(req, res, await this.check(req, 'login'), safeNext(req.body?.next));
  }

  @Public()
  @Post('two-step/passkey/options')
  async secondStepOptions(@Req() req: Request, @Res() res: Response) {
    const pending = this.pending(req);
    if (!pending) return refuse(req, res, 401, SECOND_STEP_EXPIRED);
    const options = await this.passkeys.authenticationOptions(req.tenant!, pending.userId);
    req.session.webauthn = { challenge: options.challenge, purpose: 'second-step', at: this.clock.now().getTime() };
    res.status(200).json(options);
  }

  @Public()
  @Post('two-step/passkey')
  async secondStep(@Req() req: Request, @Res() res: Response) {
    const pending = this.pending(req);
    if (!pending) return refuse(req, res, 401, SECOND_STEP_EXPIRED);
    await this.finish(req, res, await this.check(req, 'second-step', pending.userId), pending.next);
  }

  /** The user the passkey proved is logged in (a new session id) and the page's script is told where to go. */
  private async finish(req: Request, res: Response, userId: number | undefined, redirect: string) {
    const user = userId !== undefined ? await this.auth.passkeyLogin(req.tenant!, userId, clientAddress(req)) : undefined;
    if (!user) return refuse(req, res, 401, PASSKEY_FAILED_MESSAGE);
    await logIn(req, user);
    this.devices.issue(res, user.tenantId, user.login);
    res.status(200).json({ redirect });
  }

  /** The user the posted assertion proves against this session's challenge (used up either way). */
  private async check(req: Request, purpose: 'login' | 'second-step', onlyUserId?: number): Promise<number | undefined> {
    const challenge = req.session?.webauthn;
    if (req.session) delete req.session.webauthn;
    if (!challenge || challenge.purpose !== purpose || this.clock.now().getTime() - challenge.at > CHALLENGE_MS) return undefined;
    const response = parseJson<AuthenticationResponseJSON>(req.body?.response);
    if (!response) return undefined;
    return this.passkeys.verifyLogin(req.tenant!, response, challenge.challenge, clientAddress(req), onlyUserId);
  }

  private pending(req: Request) {
    return pendingTwoStep(req, this.clock.now().getTime());
  }
}

/**
 * A refusal the page's script reads as JSON ({ error }); anything else (a form posted by hand, a
 * probe) gets the usual page saying why.
 */
export function refuse(req: Request, res: Response, status: number, error: string): void {
  // The script shows the text as it comes: in the page's language.
  if (req.accepts(['html', 'json']) === 'json') res.status(status).json({ error: textFor(pageLanguage(res), error) });
  else renderClientError(req, res, status, error);
}

/** A JSON object posted as a form field, or undefined for anything else. */
export function parseJson<T>(value: unknown): T | undefined {
  if (typeof value !== 'string' || value.length > 60_000) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as T) : undefined;
  } catch {
    return undefined;
  }
}

import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ClientIp, Public } from '../common/decorators.js';
import { CurrentTenant } from '../tenancy/current-tenant.decorator.js';
import { CurrentUser, type SessionUser } from '../users/session-user.js';
import { formatDateTime } from '../common/i18n/i18n.js';
import { readerLanguage, setPageLanguage } from '../common/i18n/language.js';
import type { Tenant } from '../tenancy/tenant.entity.js';
import { CsrfOnlyDto } from '../common/csrf-only.dto.js';
import { SignupDto } from './dto/invitation-forms.dto.js';
import { SIGNUP_PATH } from './invitation-mails.js';
import { SignupService, type FieldErrors } from './signup.service.js';
import { privatePage } from '../common/private-page.js';
import { deadLinkStatus, type DeadLinkStatus } from '../links/link-state.js';

/** What each dead link says: what happened, and what to do (catalogue keys). */
const DEAD_LINKS: Record<DeadLinkStatus, { title: string; text: string }> = {
  expired: { title: 'signup.dead.expired.title', text: 'signup.dead.expired.text' },
  used: { title: 'signup.dead.used.title', text: 'signup.dead.used.text' },
  revoked: { title: 'signup.dead.revoked.title', text: 'signup.dead.revoked.text' },
  replaced: { title: 'signup.dead.replaced.title', text: 'signup.dead.replaced.text' },
  unknown: { title: 'signup.dead.unknown.title', text: 'signup.dead.unknown.text' },
};

/** The Create Account page behind the link of the invitation mail. Open to anyone: the token is the credential. */
@Public()
@Controller(SIGNUP_PATH.slice(1))
export class SignupController {
  constructor(private readonly signup: SignupService) {}

  @Get(':token')
  async page(@CurrentTenant() tenant: Tenant, @CurrentUser() me: SessionUser | undefined, @Param('token') token: string, @Res() res: Response) {
    privatePage(res);
    const state = await this.signup.linkState(tenant.id, token);
    if (state.kind !== 'valid') return dead(res, token, state.kind);
    // A valid link in a browser where someone is logged in: never the form (it is not their account).
    if (me) return loggedIn(res, me, token, 200);
    signupPage(res, tenant, token, state);
  }

  @Post(':token')
  async accept(
    @CurrentTenant() tenant: Tenant,
    @CurrentUser() me: SessionUser | undefined,
    @Param('token') token: string,
    @Body() form: SignupDto,
    @ClientIp() ip: string,
    @Res() res: Response,
  ) {
    privatePage(res);
    // Never attach an invitation to whoever happens to be logged in: log out first.
    if (me) return loggedIn(res, me, token, 409);
    const result = await this.signup.accept(tenant.id, token, form.password ?? '', form.confirmPassword ?? '', ip);
    if (result.kind === 'accepted') return res.redirect(303, `/login?notice=ready&login=${encodeURIComponent(result.login)}`);
    if (result.kind === 'invalid') return signupPage(res, tenant, token, result, result.errors);
    dead(res, token, result.kind);
  }

  /** Always the same answer, whatever the link: nothing is revealed about it. */
  @Post(':token/request')
  async requestAgain(@CurrentTenant() tenant: Tenant, @Param('token') token: string, @Body() _form: CsrfOnlyDto, @ClientIp() ip: string, @Res() res: Response) {
    privatePage(res);
    await this.signup.requestAgain(tenant.id, token, ip);
    res.status(200).render('invitations/requested', { layout: 'layouts/public', title: 'signup.requested.pageTitle' });
  }
}

/** The link was opened in a browser where someone is logged in: say who, and offer to log out and come back. */
function loggedIn(res: Response, me: SessionUser, token: string, status: number): void {
  res.status(status).render('invitations/logged-in', { layout: 'layouts/public', title: 'signup.title', login: me.login, next: `${SIGNUP_PATH}/${token}` });
}

function dead(res: Response, token: string, kind: DeadLinkStatus): void {
  const page = DEAD_LINKS[kind];
  res.status(deadLinkStatus(kind)).render('invitations/link-dead', {
    layout: 'layouts/public',
    title: page.title,
    token: encodeURIComponent(token),
    kind,
    text: page.text,
    used: kind === 'used',
  });
}

/**
 * The Create Account form; with `errors` the same form again (400), each message beside its field.
 * In the invitee's language (theirs, else the instance's default), like the mail that brought them.
 */
function signupPage(
  res: Response,
  tenant: Tenant,
  token: string,
  user: { login: string; name: string; language: string | null; expiresAt: Date },
  errors?: FieldErrors,
): void {
  const lang = readerLanguage(user.language, tenant.defaultLanguage);
  setPageLanguage(res, lang);
  res.status(errors ? 400 : 200).render('invitations/signup', {
    layout: 'layouts/public',
    title: 'signup.title',
    token,
    login: user.login,
    name: user.name,
    errors,
    expiresAt: formatDateTime(user.expiresAt, lang, tenant.timeZone),
  });
}

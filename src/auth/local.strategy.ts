import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-local';
import { clientAddress } from '../common/decorators.js';
import type { SessionUser } from '../users/session-user.js';
import { AuthService } from './auth.service.js';
import { DeviceCookies } from './device-cookie.js';
import { LoginFailedException } from './auth.exceptions.js';

/** passport-local on the form fields `login` and `password`, looked up in the host's tenant only. */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy) {
  constructor(
    private readonly auth: AuthService,
    private readonly devices: DeviceCookies,
  ) {
    super({ usernameField: 'login', passwordField: 'password', passReqToCallback: true });
  }

  async validate(req: Request, login: string, password: string): Promise<SessionUser> {
    // PostgreSQL refuses NUL in text and JSON: control characters become U+FFFD, so such a login is
    // just an unknown one (no valid login holds them) instead of a database error.
    const name = String(login)
      .slice(0, 200)
      .replace(/[\u0000-\u001f\u007f]/g, '\ufffd');
    const tenant = req.tenant;
    const device = tenant && this.devices.trustedDevice(req, tenant.id, name);
    const user = tenant && (await this.auth.authenticate(tenant, name, String(password).slice(0, 1024), clientAddress(req), device));
    if (!user) throw new LoginFailedException(name);
    return user;
  }
}

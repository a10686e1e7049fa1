import { Module } from '@nestjs/common';
import { MailComposers } from '../mail/mail-composer.js';
import { APP_GUARD } from '@nestjs/core';
import { RENDER_UNAVAILABLE } from '../common/unavailable.js';
import { renderLoginUnavailable } from './auth.exceptions.js';
import { PassportModule } from '@nestjs/passport';
import { UsersModule } from '../users/users.module.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { DeviceCookies } from './device-cookie.js';
import { LocalStrategy } from './local.strategy.js';
import { LoginThrottleRepository } from './login-throttle.repository.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { PasswordResetComposer } from './password-reset.composer.js';
import { PasswordResetController } from './password-reset.controller.js';
import { PasswordResetService } from './password-reset.service.js';
import { SessionGuard } from './session.guard.js';
import { SessionsRepository } from './sessions.repository.js';
import { SessionSerializer } from './session.serializer.js';
import { PasskeysRepository } from './passkeys.repository.js';
import { TwoStepLoginController } from './two-step.controller.js';
import { PasskeyLoginController } from './passkey-login.controller.js';
import { PasskeyService } from './passkey.service.js';
import { TwoStepRepository } from './two-step.repository.js';
import { TwoStepService } from './two-step.service.js';

@Module({
  imports: [PassportModule.register({ session: true }), UsersModule],
  controllers: [AuthController, PasswordResetController, TwoStepLoginController, PasskeyLoginController],
  exports: [AuthService, DeviceCookies, SessionsRepository, RENDER_UNAVAILABLE, PasswordResetService, TwoStepService, PasskeysRepository, PasskeyService],
  providers: [
    AuthService,
    DeviceCookies,
    SessionsRepository,
    LocalStrategy,
    SessionSerializer,
    LoginThrottleRepository,
    { provide: RENDER_UNAVAILABLE, useValue: renderLoginUnavailable },
    LoginThrottleService,
    PasswordResetService,
    PasswordResetComposer,
    TwoStepRepository,
    TwoStepService,
    PasskeysRepository,
    PasskeyService,
    { provide: APP_GUARD, useClass: SessionGuard },
  ],
})
export class AuthModule {
  constructor(composers: MailComposers, reset: PasswordResetComposer) {
    composers.register(reset);
  }
}

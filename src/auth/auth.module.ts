import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { UsersModule } from '../users/users.module.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { DeviceCookies } from './device-cookie.js';
import { LocalStrategy } from './local.strategy.js';
import { LoginThrottleService } from './login-throttle.service.js';
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
  controllers: [AuthController, TwoStepLoginController, PasskeyLoginController],
  exports: [AuthService, DeviceCookies, SessionsRepository, TwoStepService, PasskeysRepository, PasskeyService],
  providers: [
    AuthService,
    DeviceCookies,
    SessionsRepository,
    LocalStrategy,
    SessionSerializer,
    LoginThrottleService,
    TwoStepRepository,
    TwoStepService,
    PasskeysRepository,
    PasskeyService,
    { provide: APP_GUARD, useClass: SessionGuard },
  ],
})
export class AuthModule {}

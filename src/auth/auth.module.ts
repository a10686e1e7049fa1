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

@Module({
  imports: [PassportModule.register({ session: true }), UsersModule],
  controllers: [AuthController],
  exports: [AuthService, DeviceCookies, SessionsRepository],
  providers: [
    AuthService,
    DeviceCookies,
    SessionsRepository,
    LocalStrategy,
    SessionSerializer,
    LoginThrottleService,
    { provide: APP_GUARD, useClass: SessionGuard },
  ],
})
export class AuthModule {}

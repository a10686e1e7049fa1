import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { UsersModule } from '../users/users.module.js';
import { AccountController } from './account.controller.js';
import { AccountService } from './account.service.js';
import { PasskeysController } from './passkeys.controller.js';
import { TwoStepAppController } from './two-step-app.controller.js';

@Module({
  imports: [AuthModule, UsersModule],
  controllers: [AccountController, TwoStepAppController, PasskeysController],
  providers: [AccountService],
})
export class AccountModule {}

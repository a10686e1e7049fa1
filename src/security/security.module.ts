import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { InvitationsModule } from '../invitations/invitations.module.js';
import { UsersModule } from '../users/users.module.js';
import { HomeController } from './home.controller.js';
import { SecurityController } from './security.controller.js';
import { UserLifecycleController } from './user-lifecycle.controller.js';
import { UserLifecycleService } from './user-lifecycle.service.js';

@Module({
  imports: [AuthModule, UsersModule, InvitationsModule],
  controllers: [HomeController, SecurityController, UserLifecycleController],
  providers: [UserLifecycleService],
})
export class SecurityModule {}

import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { GroupsModule } from '../groups/groups.module.js';
import { InvitationsModule } from '../invitations/invitations.module.js';
import { UsersModule } from '../users/users.module.js';
import { AuditController } from './audit.controller.js';
import { GroupsController } from './groups.controller.js';
import { HomeController } from './home.controller.js';
import { InvitationsController } from './invitations.controller.js';
import { PasswordResetMailController } from './password-reset-mail.controller.js';
import { RolesController } from './roles.controller.js';
import { SecurityController } from './security.controller.js';
import { UserFormPresenter } from './user-form.presenter.js';
import { UserLifecycleController } from './user-lifecycle.controller.js';
import { UserLifecycleService } from './user-lifecycle.service.js';
import { UserListPresenter } from './user-list.presenter.js';
import { UsersController } from './users.controller.js';

/** The Security module's pages, composed from what Users, Roles, Groups and Invitations offer. */
@Module({
  imports: [AuthModule, UsersModule, GroupsModule, InvitationsModule],
  controllers: [
    HomeController,
    SecurityController,
    UsersController,
    UserLifecycleController,
    RolesController,
    GroupsController,
    InvitationsController,
    AuditController,
    PasswordResetMailController,
  ],
  providers: [UserFormPresenter, UserListPresenter, UserLifecycleService],
})
export class SecurityModule {}

import { Module } from '@nestjs/common';
import { InvitationsModule } from '../invitations/invitations.module.js';
import { UserFormPresenter } from './user-form.presenter.js';
import { UserListPresenter } from './user-list.presenter.js';
import { UsersController } from './users.controller.js';
import { UsersBulkRepository } from './users-bulk.repository.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [InvitationsModule],
  controllers: [UsersController],
  providers: [UsersRepository, UsersBulkRepository, UsersService, UserFormPresenter, UserListPresenter],
  exports: [UsersRepository, UsersBulkRepository, UsersService],
})
export class UsersModule {}

import { Module } from '@nestjs/common';
import { UserListRepository } from './user-list.repository.js';
import { UsersBulkRepository } from './users-bulk.repository.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

/** Users: their records, types, password hashing and policy. Pages that show them live in security/. */
@Module({
  providers: [UsersRepository, UserListRepository, UsersService, UsersBulkRepository],
  exports: [UsersRepository, UserListRepository, UsersService, UsersBulkRepository],
})
export class UsersModule {}

import { Module } from '@nestjs/common';
import { InvitationsModule } from '../../invitations/invitations.module.js';
import { UsersModule } from '../../users/users.module.js';
import { ImportJobsRepository } from './import-jobs.repository.js';
import { ImportRunner } from './import-runner.js';
import { UserImportController } from './user-import.controller.js';
import { UserImportService } from './user-import.service.js';

/**
 * Import users (Security > Users > Run > Import users). Listed in AppModule before the users
 * module, so `/security/users/import` is routed here and not taken for a user id.
 */
@Module({
  imports: [UsersModule, InvitationsModule],
  controllers: [UserImportController],
  providers: [ImportJobsRepository, UserImportService, ImportRunner],
})
export class UserImportModule {}

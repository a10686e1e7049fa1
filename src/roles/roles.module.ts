import { Global, Module } from '@nestjs/common';
import { RoleGrantsRepository } from './role-grants.repository.js';
import { RolesController } from './roles.controller.js';
import { RolesRepository } from './roles.repository.js';
import { RolesService } from './roles.service.js';

@Global()
@Module({
  controllers: [RolesController],
  providers: [RolesRepository, RolesService, RoleGrantsRepository],
  exports: [RolesRepository, RoleGrantsRepository],
})
export class RolesModule {}

import { Global, Module } from '@nestjs/common';
import { RolesRepository } from './roles.repository.js';
import { RolesService } from './roles.service.js';

@Global()
@Module({ providers: [RolesRepository, RolesService], exports: [RolesRepository, RolesService] })
export class RolesModule {}

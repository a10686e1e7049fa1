import { Global, Module } from '@nestjs/common';
import { UsersRepository } from '../users/users.repository.js';
import { InstancesService } from './instances.service.js';
import { TenantsService } from './tenants.service.js';

@Global()
@Module({ providers: [TenantsService, InstancesService, UsersRepository], exports: [TenantsService, InstancesService] })
export class TenancyModule {}

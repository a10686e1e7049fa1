import { Global, Module } from '@nestjs/common';
import { InstancesService } from './instances.service.js';
import { TenantsService } from './tenants.service.js';

@Global()
@Module({ providers: [TenantsService, InstancesService], exports: [TenantsService, InstancesService] })
export class TenancyModule {}

import { Global, Module } from '@nestjs/common';
import { InstancesService } from './instances.service.js';
import { TenantSettingsRepository } from './tenant-settings.repository.js';
import { TenantsService } from './tenants.service.js';

@Global()
@Module({ providers: [TenantsService, InstancesService, TenantSettingsRepository], exports: [TenantsService, InstancesService, TenantSettingsRepository] })
export class TenancyModule {}

import { Global, Module } from '@nestjs/common';
import { TenantsRepository } from './tenants.repository.js';
import { TenantsService } from './tenants.service.js';

/** Host -> tenant: the lookup (cached) the tenant middleware and the features read. */
@Global()
@Module({ providers: [TenantsRepository, TenantsService], exports: [TenantsService, TenantsRepository] })
export class TenancyModule {}

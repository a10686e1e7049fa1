import { Global, Module } from '@nestjs/common';
import { BrandLogos } from './brand-logos.js';
import { TenantSettingsRepository } from './tenant-settings.repository.js';
import { TenantsRepository } from './tenants.repository.js';
import { TenantsService } from './tenants.service.js';

/** Host -> tenant: the lookup (cached) the tenant middleware and the features read; the instance's logo and accent stylesheet. */
@Global()
@Module({
  providers: [TenantsRepository, TenantsService, TenantSettingsRepository, BrandLogos],
  exports: [TenantsService, TenantsRepository, TenantSettingsRepository, BrandLogos],
})
export class TenancyModule {}

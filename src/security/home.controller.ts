import { Controller, Get, Render } from '@nestjs/common';
import { CurrentTenant } from '../tenancy/current-tenant.decorator.js';
import type { Tenant } from '../tenancy/tenant.entity.js';

/** The instance's start page after login: the modules this user may open. */
@Controller()
export class HomeController {
  @Get()
  @Render('home')
  home(@CurrentTenant() tenant: Tenant) {
    return { title: tenant.displayName };
  }
}

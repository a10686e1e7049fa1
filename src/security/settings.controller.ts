import { Body, Controller, Get, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { AuditService } from '../audit/audit.service.js';
import { ClientIp } from '../common/decorators.js';
import { CurrentTenant } from '../tenancy/current-tenant.decorator.js';
import { CurrentUser } from '../users/session-user.js';
import { RequirePermission } from '../roles/require-permission.decorator.js';
import type { SessionUser } from '../users/session-user.js';
import { validateForm } from '../common/validate-form.js';
import { TenantSettingsRepository } from '../tenancy/tenant-settings.repository.js';
import type { Tenant } from '../tenancy/tenant.entity.js';
import { SettingsFormDto } from './dto/settings.dto.js';

/**
 * Security > Settings (/security/settings): the instance's policy. For now one setting, Require
 * two-step login for administrators; display name, logo and languages come later.
 */
@RequirePermission('security')
@Controller('security/settings')
export class SettingsController {
  constructor(
    private readonly settings: TenantSettingsRepository,
    private readonly audit: AuditService,
  ) {}

  @Get()
  async page(@CurrentTenant() tenant: Tenant, @Query('notice') notice: unknown, @Res() res: Response) {
    const current = await this.settings.get(tenant.id);
    res.render('security/settings', {
      title: 'Settings',
      securityActive: true,
      nav: 'settings',
      ...current,
      notice: notice === 'saved' ? 'Settings saved.' : undefined,
    });
  }

  @Post()
  async save(@CurrentTenant() tenant: Tenant, @CurrentUser() me: SessionUser, @ClientIp() ip: string, @Body() body: unknown, @Res() res: Response) {
    const { value, errors } = await validateForm(SettingsFormDto, body);
    if (Object.keys(errors).length) {
      const current = await this.settings.get(tenant.id);
      return res.status(400).render('security/settings', {
        title: 'Settings',
        securityActive: true,
        nav: 'settings',
        ...current,
        error: 'The settings were not saved: send the form as it is.',
      });
    }
    const requireTwoStepForAdmins = value.requireTwoStepForAdmins === 'on';
    const before = await this.settings.get(tenant.id);
    await this.settings.save(tenant.id, { requireTwoStepForAdmins });
    if (before.requireTwoStepForAdmins !== requireTwoStepForAdmins) {
      await this.audit.record({
        tenantId: tenant.id,
        event: 'instance_settings_changed',
        actor: { id: me.id, login: me.login },
        ip,
        details: { requireTwoStepForAdmins },
      });
    }
    res.redirect(303, '/security/settings?notice=saved');
  }
}

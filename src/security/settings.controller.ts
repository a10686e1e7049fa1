import { Body, Controller, Get, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { AuditService } from '../audit/audit.service.js';
import { ClientIp } from '../common/decorators.js';
import { isTimeZone, LANGUAGE_NAMES, LANGUAGES } from '../common/i18n/i18n.js';
import { msg } from '../common/i18n/message.js';
import { CurrentTenant } from '../tenancy/current-tenant.decorator.js';
import { CurrentUser } from '../users/session-user.js';
import { RequirePermission } from '../roles/require-permission.decorator.js';
import type { SessionUser } from '../users/session-user.js';
import { validateForm, type FieldErrors } from '../common/validate-form.js';
import { TenantSettingsRepository, type InstanceSettings } from '../tenancy/tenant-settings.repository.js';
import type { Tenant } from '../tenancy/tenant.entity.js';
import { TenantsService } from '../tenancy/tenants.service.js';
import { SettingsFormDto } from './dto/settings.dto.js';

const TIME_ZONES = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];

/**
 * Security > Settings (/security/settings): the instance's policy (Require two-step login for
 * administrators), its default language and its time zone.
 */
@RequirePermission('security')
@Controller('security/settings')
export class SettingsController {
  constructor(
    private readonly settings: TenantSettingsRepository,
    private readonly tenants: TenantsService,
    private readonly audit: AuditService,
  ) {}

  @Get()
  async page(@CurrentTenant() tenant: Tenant, @Query('notice') notice: unknown, @Res() res: Response) {
    const current = await this.settings.get(tenant.id);
    res.render('security/settings', { ...model(current), notice: notice === 'saved' ? msg('settings.saved') : undefined });
  }

  @Post()
  async save(@CurrentTenant() tenant: Tenant, @CurrentUser() me: SessionUser, @ClientIp() ip: string, @Body() body: unknown, @Res() res: Response) {
    const { value, errors } = await validateForm(SettingsFormDto, body);
    if (!errors.timeZone && value.timeZone !== undefined && !isTimeZone(value.timeZone)) errors.timeZone = msg('settings.error.timeZone');
    const before = await this.settings.get(tenant.id);
    if (Object.keys(errors).length) {
      const current = before;
      const shown = { ...current, defaultLanguage: String(value.defaultLanguage ?? current.defaultLanguage), timeZone: String(value.timeZone ?? '') };
      return res.status(400).render('security/settings', { ...model(shown, errors), error: msg('settings.error.notSaved') });
    }
    const next: InstanceSettings = {
      requireTwoStepForAdmins: value.requireTwoStepForAdmins === 'on',
      defaultLanguage: value.defaultLanguage ?? before.defaultLanguage,
      timeZone: value.timeZone ?? before.timeZone,
    };
    await this.settings.save(tenant.id, next);
    this.tenants.forget(tenant.name);
    const changed = Object.fromEntries(Object.entries(next).filter(([k, v]) => before[k as keyof InstanceSettings] !== v));
    if (Object.keys(changed).length) {
      await this.audit.record({ tenantId: tenant.id, event: 'instance_settings_changed', actor: { id: me.id, login: me.login }, ip, details: changed });
    }
    res.redirect(303, '/security/settings?notice=saved');
  }
}

function model(current: InstanceSettings, errors: FieldErrors = {}) {
  return {
    title: msg('settings.title'),
    securityActive: true,
    nav: 'settings',
    ...current,
    errors,
    languages: LANGUAGES.map((code) => ({ code, name: LANGUAGE_NAMES[code], selected: code === current.defaultLanguage })),
    timeZones: TIME_ZONES.map((zone) => ({ zone, selected: zone === current.timeZone })),
  };
}

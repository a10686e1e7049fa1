import { Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuditService } from '../audit/audit.service.js';
import { ClientIp } from '../common/decorators.js';
import { CurrentTenant } from '../tenancy/current-tenant.decorator.js';
import { CurrentUser } from '../users/session-user.js';
import { RequirePermission } from '../roles/require-permission.decorator.js';
import type { SessionUser } from '../users/session-user.js';
import { validateForm, type FieldErrors } from '../common/validate-form.js';
import { TenantSettingsRepository, type InstanceSettings, type SettingsChange } from '../tenancy/tenant-settings.repository.js';
import { TenantsService } from '../tenancy/tenants.service.js';
import type { Tenant } from '../tenancy/tenant.entity.js';
import { SettingsFormDto } from './dto/settings.dto.js';
import { readSettingsForm } from './settings-form.js';
import { languageView } from './settings-languages.js';
import { brandingView } from './settings-view.js';

type Saved = InstanceSettings & { instanceName: string };

/**
 * Security > Settings (/security/settings): the instance's policy and look. Require two-step login
 * for administrators; Display name, Logo and Accent colour (shown on the public pages, the app
 * shell and in mails); Default language and Time zone (pages and mails of whoever has no language
 * of their own, and the dates in them).
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
    res.render('security/settings', this.view(current, { notice: notice === 'saved' ? 'Settings saved.' : undefined }));
  }

  @Post()
  async save(@CurrentTenant() tenant: Tenant, @CurrentUser() me: SessionUser, @ClientIp() ip: string, @Req() req: Request, @Res() res: Response) {
    const form = await readSettingsForm(req);
    const { value, errors } = await validateForm(SettingsFormDto, form.body);
    if (form.logo.kind === 'refused') errors.logo = form.logo.message;
    const before = await this.settings.get(tenant.id);
    if (Object.keys(errors).length) {
      // What was typed (strings only: a hostile form may send anything), else what is saved.
      const typed = form.lost
        ? {}
        : {
            requireTwoStepForAdmins: value.requireTwoStepForAdmins === 'on',
            displayName: typeof value.displayName === 'string' ? value.displayName : before.displayName,
            accentColour: typeof value.accentColour === 'string' ? value.accentColour : before.accentColour,
            defaultLanguage: typeof value.defaultLanguage === 'string' ? value.defaultLanguage : before.defaultLanguage,
            timeZone: typeof value.timeZone === 'string' ? value.timeZone : before.timeZone,
          };
      return res.status(400).render('security/settings', this.view({ ...before, ...typed }, { errors, error: this.problem(errors) }, before));
    }
    const change: SettingsChange = {
      requireTwoStepForAdmins: value.requireTwoStepForAdmins === 'on',
      displayName: value.displayName === undefined ? undefined : value.displayName || null,
      accentColour: value.accentColour === undefined ? undefined : value.accentColour.toLowerCase() || null,
      logo: form.logo.kind === 'file' ? form.logo.logo : value.removeLogo === 'on' ? null : undefined,
      defaultLanguage: value.defaultLanguage,
      timeZone: value.timeZone,
    };
    await this.settings.save(tenant.id, change);
    this.tenants.forget(tenant.name, tenant.id);
    const details = changes(before, change);
    if (Object.keys(details).length) {
      await this.audit.record({ tenantId: tenant.id, event: 'instance_settings_changed', actor: { id: me.id, login: me.login }, ip, details });
    }
    res.redirect(303, '/security/settings?notice=saved');
  }

  private problem(errors: FieldErrors): string {
    const known = ['displayName', 'accentColour', 'logo', 'defaultLanguage', 'timeZone'];
    return Object.keys(errors).every((k) => known.includes(k))
      ? 'The settings were not saved: correct the fields marked below. Nothing else was changed.'
      : 'The settings were not saved: send the form as it is.';
  }

  private view(values: Saved, extra: Record<string, unknown>, saved: Saved = values) {
    return { title: 'Settings', securityActive: true, nav: 'settings', ...values, ...brandingView(values, saved), ...languageView(values), ...extra };
  }
}

/** What a save changed, as the audit log keeps it: new values, and of a logo its hash, type and size (never its bytes). */
function changes(before: InstanceSettings, change: SettingsChange): Record<string, unknown> {
  const details: Record<string, unknown> = {};
  if (before.requireTwoStepForAdmins !== change.requireTwoStepForAdmins) details.requireTwoStepForAdmins = change.requireTwoStepForAdmins;
  for (const field of ['displayName', 'accentColour', 'defaultLanguage', 'timeZone'] as const) {
    if (change[field] !== undefined && change[field] !== before[field]) details[field] = change[field];
  }
  if (change.logo === null && before.logoHash) details.logo = null;
  if (change.logo && change.logo.hash !== before.logoHash) details.logo = { sha256: change.logo.hash, type: change.logo.type, bytes: change.logo.bytes.length };
  return details;
}

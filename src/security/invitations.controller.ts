import { Body, Controller, Get, HttpCode, Post, Render, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Admin, type AdminRequest } from './admin-request.decorator.js';
import { CurrentTenant } from '../tenancy/current-tenant.decorator.js';
import { RequirePermission } from '../roles/require-permission.decorator.js';
import { IdParam } from '../common/id-param.js';
import type { Tenant } from '../tenancy/tenant.entity.js';
import { CsrfOnlyDto } from '../common/csrf-only.dto.js';
import { BulkInvitationDto } from '../invitations/dto/invitation-forms.dto.js';
import { InvitationExtensionService } from '../invitations/invitation-extension.service.js';
import { InvitationsService } from '../invitations/invitations.service.js';

/** The administrator's invitation actions on /security/users; the user form and the users list link here. */
@Controller('security/users')
@RequirePermission('security')
export class InvitationsController {
  constructor(
    private readonly invitations: InvitationsService,
    private readonly extension: InvitationExtensionService,
  ) {}

  /** Confirmation page without JavaScript (the user form's dialog shows the same texts). */
  @Get(':id/invitations/new')
  @Render('invitations/confirm')
  async confirm(@CurrentTenant() tenant: Tenant, @IdParam('id') id: number) {
    const confirmation = await this.invitations.confirmation(tenant.id, id);
    return { title: 'Send invitation mail', securityActive: true, nav: 'users', ...confirmation };
  }

  @Post(':id/invitations')
  async send(@Admin() admin: AdminRequest, @IdParam('id') id: number, @Body() _form: CsrfOnlyDto, @Res() res: Response) {
    const result = await this.invitations.send(admin.tenantId, admin.me, id, admin.ip);
    res.redirect(303, `/security/users/${id}?${result.ok ? 'notice=invitation-queued' : `error=${result.code}`}`);
  }

  /** Confirmation page of Run > Extend invitation without JavaScript (the dialog says the same). */
  @Get(':id/invitations/extend')
  @Render('invitations/extend-confirm')
  async confirmExtend(@CurrentTenant() tenant: Tenant, @IdParam('id') id: number) {
    const { user } = await this.invitations.confirmation(tenant.id, id);
    return { title: 'Extend invitation', securityActive: true, nav: 'users', user };
  }

  @Post(':id/invitations/extend')
  async extend(@Admin() admin: AdminRequest, @IdParam('id') id: number, @Body() _form: CsrfOnlyDto, @Res() res: Response) {
    const extended = await this.extension.extend(admin.tenantId, admin.me, id, admin.ip);
    res.redirect(303, `/security/users/${id}?${extended ? 'notice=invitation-extended' : 'error=not-extendable'}`);
  }

  @Post(':id/invitations/revoke')
  async revoke(@Admin() admin: AdminRequest, @IdParam('id') id: number, @Body() _form: CsrfOnlyDto, @Res() res: Response) {
    const revoked = await this.invitations.revoke(admin.tenantId, admin.me, id, admin.ip);
    res.redirect(303, `/security/users/${id}?${revoked ? 'notice=invitation-revoked' : 'error=no-open-invitation'}`);
  }

  /** "Send invitation mail" on the users selected in the list (not `POST invitations`: `POST :id` of the user form would take it). */
  @Post('invitations/bulk')
  @HttpCode(200)
  @Render('invitations/bulk-result')
  async sendMany(@Admin() admin: AdminRequest, @Body() form: BulkInvitationDto) {
    const result = await this.invitations.sendMany(admin.tenantId, admin.me, form.ids.map(Number), admin.ip);
    return {
      title: 'Send invitation mail',
      securityActive: true,
      nav: 'users',
      ...result,
      queuedCount: result.queued.length,
      nothingSelected: form.ids.length === 0,
    };
  }
}

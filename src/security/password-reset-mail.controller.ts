import { Body, Controller, Get, Post, Render, Res } from '@nestjs/common';
import { IdParam } from '../common/id-param.js';
import type { Response } from 'express';
import type { ResetRefusal } from '../auth/password-reset.composer.js';
import { PasswordResetService } from '../auth/password-reset.service.js';
import { CsrfOnlyDto } from '../common/csrf-only.dto.js';
import { RequirePermission } from '../roles/require-permission.decorator.js';
import { CurrentTenant } from '../tenancy/current-tenant.decorator.js';
import type { Tenant } from '../tenancy/tenant.entity.js';
import { Admin, type AdminRequest } from './admin-request.decorator.js';

/** Why Send password reset mail is refused for a user, as the user form says it (`?error=<code>`). */
export const PASSWORD_RESET_MESSAGES: Record<string, string> = {
  'password-reset-queued': 'The password reset mail is on its way. Its link works for a limited time.',
  'cannot-log-in': 'Only Internal and External users can reset a password. An invitation-type user gets an invitation mail instead.',
  'no-email': 'This user has no email address. Enter one and save before sending a password reset mail.',
  deactivated: 'This user is deactivated. Reactivate the user before sending a password reset mail.',
};

/** Run > Send password reset mail on the user form: a confirmation page without JavaScript, and the action. */
@Controller('security/users')
@RequirePermission('security')
export class PasswordResetMailController {
  constructor(private readonly resets: PasswordResetService) {}

  @Get(':id/password-reset')
  @Render('security/password-reset-confirm')
  async confirm(@CurrentTenant() tenant: Tenant, @IdParam('id') id: number) {
    const { user, refusal } = await this.resets.adminRefusal(tenant.id, id);
    return { title: 'Send password reset mail', securityActive: true, nav: 'users', user, refusal: refusal && PASSWORD_RESET_MESSAGES[refusal] };
  }

  @Post(':id/password-reset')
  async send(@Admin() admin: AdminRequest, @IdParam('id') id: number, @Body() _form: CsrfOnlyDto, @Res() res: Response) {
    const refusal: ResetRefusal | undefined = await this.resets.sendByAdmin(admin.tenantId, admin.me, id, admin.ip);
    res.redirect(303, `/security/users/${id}?${refusal ? `error=${refusal}` : 'notice=password-reset-queued'}`);
  }
}

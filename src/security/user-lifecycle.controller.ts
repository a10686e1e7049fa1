import { Body, Controller, Get, Post, Res } from '@nestjs/common';
import { IdParam } from '../common/id-param.js';
import type { Response } from 'express';
import { Admin, type AdminRequest } from './admin-request.decorator.js';
import { CurrentTenant } from '../tenancy/current-tenant.decorator.js';
import { CurrentUser } from '../users/session-user.js';
import { RequirePermission } from '../roles/require-permission.decorator.js';
import type { SessionUser } from '../users/session-user.js';
import { CsrfOnlyDto } from '../common/csrf-only.dto.js';
import type { Tenant } from '../tenancy/tenant.entity.js';
import { UserLifecycleService, type LifecycleAction } from './user-lifecycle.service.js';

/** What each action's confirmation says (the user form's dialog shows the same texts). */
const TEXTS: Record<LifecycleAction, { title: string; question: string; explain: string }> = {
  deactivate: { title: 'lifecycle.deactivate.title', question: 'lifecycle.deactivate.question', explain: 'lifecycle.deactivate.explain' },
  reactivate: { title: 'lifecycle.reactivate.title', question: 'lifecycle.reactivate.question', explain: 'lifecycle.reactivate.explain' },
};

const RESET_TEXTS = { title: 'lifecycle.resetTwoStep.title', question: 'lifecycle.resetTwoStep.question', explain: 'lifecycle.resetTwoStep.explain' };

/** Run > Deactivate user / Reactivate user on the user form: a confirmation page without JavaScript, and the action. */
@Controller('security/users')
@RequirePermission('security')
export class UserLifecycleController {
  constructor(private readonly lifecycle: UserLifecycleService) {}

  @Get(':id/deactivate')
  confirmDeactivate(@CurrentTenant() tenant: Tenant, @CurrentUser() me: SessionUser, @IdParam('id') id: number, @Res() res: Response) {
    return this.confirm(tenant, me, id, 'deactivate', res);
  }

  @Get(':id/reactivate')
  confirmReactivate(@CurrentTenant() tenant: Tenant, @CurrentUser() me: SessionUser, @IdParam('id') id: number, @Res() res: Response) {
    return this.confirm(tenant, me, id, 'reactivate', res);
  }

  @Post(':id/deactivate')
  deactivate(@Admin() admin: AdminRequest, @IdParam('id') id: number, @Body() _form: CsrfOnlyDto, @Res() res: Response) {
    return this.run(admin, id, 'deactivate', res);
  }

  @Post(':id/reactivate')
  reactivate(@Admin() admin: AdminRequest, @IdParam('id') id: number, @Body() _form: CsrfOnlyDto, @Res() res: Response) {
    return this.run(admin, id, 'reactivate', res);
  }

  @Get(':id/reset-two-step')
  async confirmReset(@CurrentTenant() tenant: Tenant, @CurrentUser() me: SessionUser, @IdParam('id') id: number, @Res() res: Response) {
    const user = await this.lifecycle.get(tenant.id, id);
    const refusal = await this.lifecycle.resetRefusal(tenant.id, me, user);
    res.render('security/user-lifecycle-confirm', { securityActive: true, nav: 'users', user, action: 'reset-two-step', refusal, ...RESET_TEXTS });
  }

  @Post(':id/reset-two-step')
  async resetTwoStep(@Admin() admin: AdminRequest, @IdParam('id') id: number, @Body() _form: CsrfOnlyDto, @Res() res: Response) {
    const result = await this.lifecycle.resetTwoStep(admin.tenantId, admin.me, id, admin.ip);
    if (result.ok) return res.redirect(303, `/security/users/${id}?notice=${result.notice}`);
    const user = await this.lifecycle.get(admin.tenantId, id);
    res
      .status(409)
      .render('security/user-lifecycle-confirm', { securityActive: true, nav: 'users', user, action: 'reset-two-step', refusal: result.error, ...RESET_TEXTS });
  }

  private async confirm(tenant: Tenant, me: SessionUser, id: number, action: LifecycleAction, res: Response) {
    const user = await this.lifecycle.get(tenant.id, id);
    const refusal = this.lifecycle.refusal(me, user, action);
    res.render('security/user-lifecycle-confirm', { securityActive: true, nav: 'users', user, action, refusal, ...TEXTS[action] });
  }

  private async run({ tenantId, me, ip }: AdminRequest, id: number, action: LifecycleAction, res: Response) {
    const result = await this.lifecycle.run(tenantId, me, id, action, ip);
    if (result.ok) return res.redirect(303, `/security/users/${id}?notice=${result.notice}`);
    const user = await this.lifecycle.get(tenantId, id);
    res.status(409).render('security/user-lifecycle-confirm', { securityActive: true, nav: 'users', user, action, refusal: result.error, ...TEXTS[action] });
  }
}

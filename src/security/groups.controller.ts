import { Controller, Get, Render } from '@nestjs/common';
import { msg } from '../common/i18n/message.js';
import { IdParam } from '../common/id-param.js';
import { orNotFound } from '../common/decorators.js';
import { UsersService } from '../users/users.service.js';
import { CurrentTenant } from '../tenancy/current-tenant.decorator.js';
import { RequirePermission } from '../roles/require-permission.decorator.js';
import type { Tenant } from '../tenancy/tenant.entity.js';
import { GroupsService } from '../groups/groups.service.js';

/** The Groups navigator: groups (Everybody at least) and their members. Membership follows from accepted invitations. */
@RequirePermission('security')
@Controller('security/groups')
export class GroupsController {
  constructor(
    private readonly groups: GroupsService,
    private readonly users: UsersService,
  ) {}

  @Get()
  @Render('groups/index')
  async index(@CurrentTenant() tenant: Tenant) {
    return { title: 'Groups', securityActive: true, nav: 'groups', groups: await this.groups.list(tenant.id) };
  }

  @Get(':id')
  @Render('groups/show')
  async show(@CurrentTenant() tenant: Tenant, @IdParam('id') id: number) {
    const group = orNotFound(await this.groups.find(tenant.id, id));
    const members = await this.users.listByIds(tenant.id, await this.groups.memberIds(tenant.id, id));
    return { title: msg('groups.titleOf', { name: group.name }), securityActive: true, nav: 'groups', group, members };
  }
}

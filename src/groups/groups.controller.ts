import { Controller, Get, NotFoundException, Render } from '@nestjs/common';
import { CurrentTenant, RequirePermission } from '../common/decorators.js';
import { IdParam } from '../common/id-param.js';
import type { Tenant } from '../tenancy/tenant.entity.js';
import { GroupsRepository } from './groups.repository.js';

/** The Groups navigator: groups (Everybody at least) and their members. Membership follows from accepted invitations. */
@RequirePermission('security')
@Controller('security/groups')
export class GroupsController {
  constructor(private readonly groups: GroupsRepository) {}

  @Get()
  @Render('groups/index')
  async index(@CurrentTenant() tenant: Tenant) {
    return { title: 'Groups', securityActive: true, nav: 'groups', groups: await this.groups.list(tenant.id) };
  }

  @Get(':id')
  @Render('groups/show')
  async show(@CurrentTenant() tenant: Tenant, @IdParam('id') id: number) {
    const group = await this.groups.find(tenant.id, id);
    if (!group) throw new NotFoundException();
    return { title: `${group.name} · Groups`, securityActive: true, nav: 'groups', group, members: await this.groups.members(tenant.id, id) };
  }
}

import { Controller, Get, NotFoundException, Param, ParseIntPipe, Render, Req } from '@nestjs/common';
import type { Request } from 'express';
import { RequirePermission } from '../common/decorators.js';
import { GroupsRepository } from './groups.repository.js';

/** The Groups navigator: groups (Everybody at least) and their members. Membership follows from accepted invitations. */
@RequirePermission('security')
@Controller('security/groups')
export class GroupsController {
  constructor(private readonly groups: GroupsRepository) {}

  @Get()
  @Render('groups/index')
  async index(@Req() req: Request) {
    return { title: 'Groups', securityActive: true, nav: 'groups', groups: await this.groups.list(req.tenant!.id) };
  }

  @Get(':id')
  @Render('groups/show')
  async show(@Req() req: Request, @Param('id', ParseIntPipe) id: number) {
    const group = await this.groups.find(req.tenant!.id, id);
    if (!group) throw new NotFoundException();
    return { title: `${group.name} · Groups`, securityActive: true, nav: 'groups', group, members: await this.groups.members(req.tenant!.id, id) };
  }
}

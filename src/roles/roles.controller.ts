import { Body, Controller, Get, Param, ParseIntPipe, Post, Query, Render, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { RequirePermission } from '../common/decorators.js';
import { validateForm } from '../common/validate-form.js';
import { RoleFormDto } from './dto/role-form.dto.js';
import { RolesRepository } from './roles.repository.js';
import { RolesService } from './roles.service.js';

const NOTICES: Record<string, string> = { created: 'The role has been created.', renamed: 'The role has been renamed.' };

/** The Roles navigator: list with member counts, create, rename, members. */
@RequirePermission('security')
@Controller('security/roles')
export class RolesController {
  constructor(
    private readonly roles: RolesService,
    private readonly repo: RolesRepository,
  ) {}

  @Get()
  @Render('roles/index')
  async index(@Req() req: Request, @Query('notice') notice?: string) {
    return { title: 'Roles', securityActive: true, nav: 'roles', roles: await this.repo.list(req.tenant!.id), notice: NOTICES[notice ?? ''] };
  }

  @Post()
  async create(@Req() req: Request, @Res() res: Response, @Body() body: Record<string, unknown>) {
    const tenantId = req.tenant!.id;
    const { value, errors } = await validateForm(RoleFormDto, body);
    const error = errors.name ?? (await this.roles.create(tenantId, req.user!, value.name, req.ip ?? '')).error;
    if (!error) return res.redirect(303, '/security/roles?notice=created');
    res.status(400).render('roles/index', {
      title: 'Roles',
      securityActive: true,
      nav: 'roles',
      roles: await this.repo.list(tenantId),
      newName: String(body.name ?? ''),
      newError: error,
    });
  }

  @Get(':id')
  @Render('roles/show')
  async show(@Req() req: Request, @Param('id', ParseIntPipe) id: number, @Query('notice') notice?: string) {
    const role = await this.roles.get(req.tenant!.id, id);
    return {
      title: `${role.name} · Roles`,
      securityActive: true,
      nav: 'roles',
      role,
      name: role.name,
      members: await this.repo.members(req.tenant!.id, id),
      notice: NOTICES[notice ?? ''],
    };
  }

  @Post(':id')
  async rename(@Req() req: Request, @Res() res: Response, @Param('id', ParseIntPipe) id: number, @Body() body: Record<string, unknown>) {
    const tenantId = req.tenant!.id;
    const role = await this.roles.get(tenantId, id);
    const { value, errors } = await validateForm(RoleFormDto, body);
    const error = errors.name ?? (await this.roles.rename(tenantId, req.user!, id, value.name, req.ip ?? '')).error;
    if (!error) return res.redirect(303, `/security/roles/${id}?notice=renamed`);
    const members = await this.repo.members(tenantId, id);
    res.status(400).render('roles/show', {
      title: `${role.name} · Roles`,
      securityActive: true,
      nav: 'roles',
      role,
      name: String(body.name ?? ''),
      nameError: error,
      members,
    });
  }
}

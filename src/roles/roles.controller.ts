import { Body, Controller, Get, Post, Query, Render, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ClientIp, CurrentTenant, CurrentUser, RequirePermission } from '../common/decorators.js';
import type { SessionUser } from '../common/request-context.js';
import { own } from '../common/own.js';
import { IdParam } from '../common/id-param.js';
import { validateForm } from '../common/validate-form.js';
import type { Tenant } from '../tenancy/tenant.entity.js';
import { RoleFormDto } from './dto/role-form.dto.js';
import { RolesRepository, type RoleRow } from './roles.repository.js';
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
  index(@CurrentTenant() tenant: Tenant, @Query('notice') notice?: string) {
    return this.listPage(tenant.id, { notice: own(NOTICES, notice) });
  }

  @Post()
  async create(
    @CurrentTenant() tenant: Tenant,
    @CurrentUser() me: SessionUser,
    @ClientIp() ip: string,
    @Res() res: Response,
    @Body() body: Record<string, unknown>,
  ) {
    const { value, errors } = await validateForm(RoleFormDto, body);
    const error = errors.name ?? (await this.roles.create(tenant.id, me, value.name, ip)).error;
    if (!error) return res.redirect(303, '/security/roles?notice=created');
    res.status(400).render('roles/index', await this.listPage(tenant.id, { newName: String(body.name ?? ''), newError: error }));
  }

  @Get(':id')
  @Render('roles/show')
  async show(@CurrentTenant() tenant: Tenant, @IdParam('id') id: number, @Query('notice') notice?: string) {
    const role = await this.roles.get(tenant.id, id);
    return this.rolePage(tenant.id, role, { name: role.name, notice: own(NOTICES, notice) });
  }

  @Post(':id')
  async rename(
    @CurrentTenant() tenant: Tenant,
    @CurrentUser() me: SessionUser,
    @ClientIp() ip: string,
    @Res() res: Response,
    @IdParam('id') id: number,
    @Body() body: Record<string, unknown>,
  ) {
    const role = await this.roles.get(tenant.id, id);
    const { value, errors } = await validateForm(RoleFormDto, body);
    const error = errors.name ?? (await this.roles.rename(tenant.id, me, role, value.name, ip)).error;
    if (!error) return res.redirect(303, `/security/roles/${id}?notice=renamed`);
    res.status(400).render('roles/show', await this.rolePage(tenant.id, role, { name: String(body.name ?? ''), nameError: error }));
  }

  private async listPage(tenantId: number, extra: Record<string, unknown>) {
    return { title: 'Roles', securityActive: true, nav: 'roles', roles: await this.repo.list(tenantId), ...extra };
  }

  private async rolePage(tenantId: number, role: RoleRow, extra: Record<string, unknown>) {
    return { title: `${role.name} · Roles`, securityActive: true, nav: 'roles', role, members: await this.repo.members(tenantId, role.id), ...extra };
  }
}

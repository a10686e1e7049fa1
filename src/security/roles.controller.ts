import { Body, Controller, Get, Post, Query, Render, Res } from '@nestjs/common';
import { msg } from '../common/i18n/message.js';
import type { Response } from 'express';
import { Admin, type AdminRequest } from './admin-request.decorator.js';
import { CurrentTenant } from '../tenancy/current-tenant.decorator.js';
import { RequirePermission } from '../roles/require-permission.decorator.js';
import { own } from '../common/own.js';
import { IdParam } from '../common/id-param.js';
import { validateForm } from '../common/validate-form.js';
import type { TenantId } from '../tenancy/tenant-id.js';
import type { Tenant } from '../tenancy/tenant.entity.js';
import { RoleFormDto } from '../roles/dto/role-form.dto.js';
import { RolesRepository, type RoleRow } from '../roles/roles.repository.js';
import { RolesService } from '../roles/roles.service.js';
import { UsersService } from '../users/users.service.js';

const NOTICES: Record<string, string> = { created: 'The role has been created.', renamed: 'The role has been renamed.' };

/** The Roles navigator: list with member counts, create, rename, members. */
@RequirePermission('security')
@Controller('security/roles')
export class RolesController {
  constructor(
    private readonly roles: RolesService,
    private readonly repo: RolesRepository,
    private readonly users: UsersService,
  ) {}

  @Get()
  @Render('roles/index')
  index(@CurrentTenant() tenant: Tenant, @Query('notice') notice?: string) {
    return this.listPage(tenant.id, { notice: own(NOTICES, notice) });
  }

  @Post()
  async create(@Admin() { tenantId, me, ip }: AdminRequest, @Res() res: Response, @Body() body: Record<string, unknown>) {
    const { value, errors } = await validateForm(RoleFormDto, body);
    const error = errors.name ?? (await this.roles.create(tenantId, me, value.name, ip)).error;
    if (!error) return res.redirect(303, '/security/roles?notice=created');
    res.status(400).render('roles/index', await this.listPage(tenantId, { newName: String(body.name ?? ''), newError: error }));
  }

  @Get(':id')
  @Render('roles/show')
  async show(@CurrentTenant() tenant: Tenant, @IdParam('id') id: number, @Query('notice') notice?: string) {
    const role = await this.roles.get(tenant.id, id);
    return this.rolePage(tenant.id, role, { name: role.name, notice: own(NOTICES, notice) });
  }

  @Post(':id')
  async rename(@Admin() { tenantId, me, ip }: AdminRequest, @Res() res: Response, @IdParam('id') id: number, @Body() body: Record<string, unknown>) {
    const role = await this.roles.get(tenantId, id);
    const { value, errors } = await validateForm(RoleFormDto, body);
    const error = errors.name ?? (await this.roles.rename(tenantId, me, role, value.name, ip)).error;
    if (!error) return res.redirect(303, `/security/roles/${id}?notice=renamed`);
    res.status(400).render('roles/show', await this.rolePage(tenantId, role, { name: String(body.name ?? ''), nameError: error }));
  }

  private async listPage(tenantId: TenantId, extra: Record<string, unknown>) {
    return { title: 'Roles', securityActive: true, nav: 'roles', roles: await this.repo.list(tenantId), ...extra };
  }

  private async rolePage(tenantId: TenantId, role: RoleRow, extra: Record<string, unknown>) {
    return {
      title: msg('roles.titleOf', { name: role.name }),
      securityActive: true,
      nav: 'roles',
      role,
      members: await this.users.listByIds(tenantId, await this.repo.memberIds(tenantId, role.id)),
      ...extra,
    };
  }
}

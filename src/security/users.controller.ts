import { Body, Controller, Get, Post, Query, Render, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Admin, type AdminRequest } from './admin-request.decorator.js';
import { CurrentTenant } from '../tenancy/current-tenant.decorator.js';
import { RequirePermission } from '../roles/require-permission.decorator.js';
import { own } from '../common/own.js';
import { IdParam } from '../common/id-param.js';
import { validateForm } from '../common/validate-form.js';
import type { Tenant } from '../tenancy/tenant.entity.js';
import { UserFormDto } from '../users/dto/user-form.dto.js';
import { UserFormPresenter, type FormState, type UserFormValues } from './user-form.presenter.js';
import { UserListPresenter } from './user-list.presenter.js';
import { UsersService } from '../users/users.service.js';

/** Where each save button goes once the user is saved. */
const AFTER_SAVE: Record<string, (id: number) => string> = {
  save: (id) => `/security/users/${id}?notice=saved`,
  reload: (id) => `/security/users/${id}?notice=saved`,
  close: () => '/security/users?notice=saved',
  new: () => '/security/users/new?notice=saved',
};

/** The Users navigator and the user form (seed steps 1 to 5). */
@RequirePermission('security')
@Controller('security/users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly form: UserFormPresenter,
    private readonly list: UserListPresenter,
  ) {}

  @Get()
  @Render('users/index')
  index(@CurrentTenant() tenant: Tenant, @Query() query: Record<string, unknown>) {
    return this.list.model(tenant.id, query);
  }

  @Get('new')
  @Render('users/form')
  newForm(@CurrentTenant() tenant: Tenant, @Query('notice') notice?: string) {
    const values: UserFormValues = { login: '', name: '', email: '', userType: 'Invitation Internal (No login)', roles: [], language: '' };
    return this.form.model(tenant.id, undefined, values, { notice: UserListPresenter.notice(notice) });
  }

  @Get(':id')
  @Render('users/form')
  async show(@CurrentTenant() tenant: Tenant, @IdParam('id') id: number, @Query() query: Record<string, string>) {
    const user = await this.users.get(tenant.id, id);
    const state: FormState = { notice: UserListPresenter.notice(query.notice), error: UserListPresenter.notice(query.error) };
    return this.form.model(tenant.id, user, UserFormPresenter.valuesOf(user), state);
  }

  @Post()
  create(@Admin() admin: AdminRequest, @Res() res: Response, @Body() body: Record<string, unknown>) {
    return this.submit(admin, res, undefined, body);
  }

  @Post(':id')
  update(@Admin() admin: AdminRequest, @Res() res: Response, @IdParam('id') id: number, @Body() body: Record<string, unknown>) {
    return this.submit(admin, res, id, body);
  }

  /** One handler for every button of the form: the save variants, and Add role and remove lines (without JavaScript). */
  private async submit({ tenantId, me, ip }: AdminRequest, res: Response, id: number | undefined, body: Record<string, unknown>) {
    const user = id === undefined ? undefined : await this.users.get(tenantId, id);
    // An array or any other non-text `_action` is as unknown as a misspelt one.
    const action = body._action === undefined ? 'save' : typeof body._action === 'string' ? body._action : '';
    const { value, errors } = await validateForm(UserFormDto, body);
    const values: UserFormValues = {
      login: str(body.login),
      name: str(body.name),
      email: str(body.email),
      userType: str(body.userType),
      roles: value.roles,
      language: body.language === undefined ? (user?.language ?? '') : str(body.language),
      version: value.version,
    };
    const show = async (state: FormState, status = 200) => res.status(status).render('users/form', await this.form.model(tenantId, user, values, state));

    if (action === 'add-role') {
      values.roles.push('');
      return show({ focusRole: true });
    }
    if (action.startsWith('remove-role:')) {
      const line = action.slice('remove-role:'.length);
      if (/^[0-9]{1,4}$/.test(line)) values.roles.splice(Number(line), 1);
      return show({});
    }
    // Checked before anything is saved: an unknown button saves nothing.
    const after = own(AFTER_SAVE, action);
    if (!after) return show({ errors: { _form: 'Unknown action.' } }, 400);
    if (Object.keys(errors).length) return show({ errors }, 400);
    const result = await this.users.save(tenantId, me, user, value, ip);
    if (!result.ok) return show({ errors: result.errors }, result.errors._form ? 409 : 400);
    res.redirect(303, after(result.id));
  }
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { Clock } from '../common/clock.js';
import type { FieldErrors } from '../common/validate-form.js';
import { formatDate } from '../common/views.js';
import { sqlOne } from '../database/sql.js';
import { invitationStatus, STATUS_LABELS, STATUS_TONES } from '../invitations/invitation-state.js';
import type { InvitationState } from '../invitations/invitation.entity.js';
import { RolesRepository } from '../roles/roles.repository.js';
import { USER_TYPES, isInvitationType } from './user-type.js';
import { UsersRepository, type UserRecord } from './users.repository.js';

/** What the form shows, whether it comes from the database or from a posted (maybe invalid) form. */
export interface UserFormValues {
  login: string;
  name: string;
  email: string;
  userType: string;
  roles: string[];
  version?: number;
}

export interface FormState {
  errors?: FieldErrors;
  notice?: string;
  error?: string;
  focusRole?: boolean;
}

/** Builds the view model of the user form: values, role options, groups, invitation state, menus. */
@Injectable()
export class UserFormPresenter {
  constructor(
    private readonly em: EntityManager,
    private readonly users: UsersRepository,
    private readonly roles: RolesRepository,
    private readonly clock: Clock,
  ) {}

  static valuesOf(user: UserRecord): UserFormValues {
    return { login: user.login, name: user.name, email: user.email ?? '', userType: user.user_type, roles: user.role_ids.map(String), version: user.version };
  }

  async model(tenantId: number, user: UserRecord | undefined, values: UserFormValues, state: FormState = {}) {
    const [roleOptions, groups, invitation] = await Promise.all([
      this.roles.options(tenantId),
      user ? this.users.groupsOf(tenantId, user.id) : Promise.resolve([]),
      user ? this.latestInvitation(tenantId, user.id) : Promise.resolve(undefined),
    ]);
    const errors = state.errors ?? {};
    const roleLines = values.roles.map((value, index) => ({ value, index, number: index + 1, error: errors[`roles.${index}`] }));
    return {
      title: user ? `${user.login} · Users` : 'New user · Users',
      securityActive: true,
      nav: 'users',
      user,
      isNew: !user,
      action: user ? `/security/users/${user.id}` : '/security/users',
      values,
      errors,
      hasErrors: Object.keys(errors).length > 0,
      formError: errors._form,
      userTypes: USER_TYPES,
      roleOptions,
      roleLines,
      groups,
      invitation,
      canInvite: !!user && isInvitationType(user.user_type),
      inviteOpen: invitation && ['queued', 'sending', 'sent', 'failed'].includes(invitation.status),
      noRoles: !!user && user.role_ids.length === 0,
      ...state,
    };
  }

  private async latestInvitation(tenantId: number, userId: number) {
    const row = await sqlOne<{ status: InvitationState; expires_at: Date | null; last_error: string | null; created_at: Date; sent_at: Date | null; accepted_at: Date | null; sent_by: string | null }>(
      this.em,
      `select i.status, i.expires_at, i.last_error, i.created_at, i.sent_at, i.accepted_at, s.login as sent_by
       from invitation i left join app_user s on s.id = i.sent_by_id
       where i.tenant_id = ? and i.user_id = ? order by i.id desc limit 1`,
      [tenantId, userId],
    );
    if (!row) return undefined;
    const status = invitationStatus(row, this.clock.now());
    return {
      status,
      label: STATUS_LABELS[status],
      tone: STATUS_TONES[status],
      error: row.last_error,
      sentBy: row.sent_by,
      createdAt: formatDate(row.created_at),
      sentAt: formatDate(row.sent_at),
      acceptedAt: formatDate(row.accepted_at),
      expiresAt: formatDate(row.expires_at),
    };
  }
}

import { Injectable } from '@nestjs/common';
import type { FieldErrors } from '../common/validate-form.js';
import { LANGUAGE_OPTIONS } from '../common/i18n/i18n.js';
import { msg } from '../common/i18n/message.js';
import { confirmationOf, InvitationsService, type InvitationSummary } from '../invitations/invitations.service.js';
import { OPEN_STATES } from '../invitations/invitations.repository.js';
import { GroupsService } from '../groups/groups.service.js';
import { RolesRepository } from '../roles/roles.repository.js';
import type { TenantId } from '../tenancy/tenant-id.js';
import { canLogIn, USER_TYPES } from '../users/user-type.js';
import type { UserRecord } from '../users/users.repository.js';

/** What the form shows, whether it comes from the database or from a posted (maybe invalid) form. */
export interface UserFormValues {
  login: string;
  name: string;
  email: string;
  userType: string;
  roles: string[];
  /** `en`, `de`, `bg`, or empty for the instance's default. */
  language: string;
  version?: number;
}

export interface FormState {
  errors?: FieldErrors;
  notice?: string;
  error?: string;
  focusRole?: boolean;
}

/** Builds the view model of the user form from Users, Roles, Groups and Invitations: values, role options, groups, invitation state, menus. */
@Injectable()
export class UserFormPresenter {
  constructor(
    private readonly groups: GroupsService,
    private readonly roles: RolesRepository,
    private readonly invitations: InvitationsService,
  ) {}

  static valuesOf(user: UserRecord): UserFormValues {
    return {
      login: user.login,
      name: user.name,
      email: user.email ?? '',
      userType: user.user_type,
      roles: user.role_ids.map(String),
      language: user.language ?? '',
      version: user.version,
    };
  }

  async model(tenantId: TenantId, user: UserRecord | undefined, values: UserFormValues, state: FormState = {}) {
    const [roleOptions, groups, latest] = await Promise.all([
      this.roles.options(tenantId),
      user ? this.groups.groupsOf(tenantId, user.id) : Promise.resolve([]),
      user ? this.invitations.latestByUser(tenantId, [user.id]) : Promise.resolve(undefined),
    ]);
    const summary = user && latest?.get(user.id);
    // Accepting is final (no later invitation can be sent), so the latest one tells.
    const confirmation = user && confirmationOf({ ...user, accepted: summary?.status === 'accepted', roleCount: user.role_ids.length });
    const invitation = summary?.status ? this.describe(summary) : undefined;
    const errors = state.errors ?? {};
    const roleLines = values.roles.map((value, index) => ({ value, index, number: index + 1, error: errors[`roles.${index}`] }));
    return {
      title: user ? msg('userForm.titleOf', { login: user.login }) : msg('userForm.titleNew'),
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
      languages: LANGUAGE_OPTIONS,
      roleOptions,
      roleLines,
      groups,
      invitation,
      // Run > Send password reset mail: for users who can log in and have an address.
      resetAllowed: !!user && canLogIn(user.user_type) && !!user.email,
      inviteOpen: !!summary?.status && (OPEN_STATES as readonly string[]).includes(summary.status),
      // A delivered link (still valid or expired) can be extended; one not yet delivered has no expiry.
      canExtend: summary?.status === 'sent' || summary?.status === 'expired',
      requested: !!summary?.requested,
      confirmation,
      ...state,
    };
  }

  private describe(summary: InvitationSummary) {
    return {
      label: summary.statusLabel,
      tone: summary.tone,
      error: summary.status === 'failed' ? summary.lastError : null,
      sentBy: summary.sentByLogin,
      createdAt: summary.createdAt,
      sentAt: summary.sentAt,
      remindedAt: summary.remindedAt,
      expiresAt: summary.status === 'accepted' || summary.status === 'revoked' ? null : summary.expiresAt,
    };
  }
}

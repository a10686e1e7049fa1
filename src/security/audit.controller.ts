import { Controller, Get, Render } from '@nestjs/common';
import { CurrentTenant } from '../tenancy/current-tenant.decorator.js';
import { RequirePermission } from '../roles/require-permission.decorator.js';
import { own } from '../common/own.js';
import { msg, type Text } from '../common/i18n/message.js';
import type { Tenant } from '../tenancy/tenant.entity.js';
import { AuditService } from '../audit/audit.service.js';

/** Readable names for the events of the audit log. */
export const EVENT_LABELS: Record<string, string> = {
  instance_created: 'Instance created',
  authn_login_success: 'Logged in',
  authn_login_fail: 'Login failed',
  session_logout: 'Logged out',
  user_created: 'User created',
  user_updated: 'User changed',
  user_type_changed: 'User type changed',
  user_roles_changed: 'Roles changed',
  role_created: 'Role created',
  role_renamed: 'Role renamed',
  invitation_sent: 'Invitation sent',
  invitation_resent: 'Invitation sent again',
  invitation_revoked: 'Invitation revoked',
  invitation_delivered: 'Invitation delivered',
  invitation_failed: 'Invitation mail failed',
  invitation_accepted: 'Invitation accepted',
  invitation_requested_again: 'New invitation requested',
  authn_password_ok_second_step: 'Password right, second step asked',
  authn_second_step_fail: 'Two-step code failed',
  authn_passkey_fail: 'Passkey login failed',
  two_step_totp_on: 'Authenticator app turned on',
  two_step_totp_off: 'Authenticator app turned off',
  two_step_recovery_code_used: 'Recovery code used',
  passkey_added: 'Passkey added',
  passkey_removed: 'Passkey removed',
  user_two_step_reset: 'Two-step login reset',
  user_two_step_reset_refused: 'Two-step login reset refused',
  instance_settings_changed: 'Settings changed',
  user_language_changed: 'Language changed',
  invitation_extended: 'Invitation extended',
  invitation_reminded: 'Invitation reminder delivered',
  invitation_reminder_failed: 'Invitation reminder failed',
  invitation_reminder_queued: 'Invitation reminder queued',
  password_changed: 'Password changed',
  password_reset_done: 'Password reset',
  password_reset_mail_delivered: 'Password reset mail delivered',
  password_reset_mail_failed: 'Password reset mail failed',
  password_reset_requested: 'Password reset requested',
  password_reset_sent_by_admin: 'Password reset mail sent by an administrator',
  user_deactivate_refused: 'Deactivation refused',
  user_deactivated: 'User deactivated',
  user_reactivated: 'User reactivated',
  users_imported: 'Users imported',
};

/** The instance's audit log: the latest events, newest first. */
@RequirePermission('security')
@Controller('security/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Render('audit/index')
  async index(@CurrentTenant() tenant: Tenant) {
    const events = await this.audit.recent(tenant.id, 200);
    return {
      title: 'nav.audit',
      securityActive: true,
      nav: 'audit',
      events: events.map((e) => ({
        at: e.at,
        event: own(EVENT_LABELS, e.event) ?? e.event,
        actor: e.actor_login,
        target: e.target_type && e.target_id ? targetView(e.target_type, e.target_id) : undefined,
        ip: e.ip,
        details: e.details ? JSON.stringify(e.details) : '',
      })),
    };
  }
}

/** Where an event's target has a page: its path and the catalogue key that names it. */
const TARGET_PAGES: Record<string, { path: string; label: string }> = {
  user: { path: '/security/users/', label: 'audit.target.user' },
  role: { path: '/security/roles/', label: 'audit.target.role' },
};

function targetView(type: string, id: number): { href?: string; label: Text } {
  const page = own(TARGET_PAGES, type);
  return page ? { href: page.path + id, label: msg(page.label, { id }) } : { label: `${type} #${id}` };
}

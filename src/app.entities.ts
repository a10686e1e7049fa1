import { AuditEvent } from './audit/audit-event.entity.js';
import { LoginThrottle } from './auth/login-throttle.entity.js';
import { Passkey } from './auth/passkey.entity.js';
import { RecoveryCode } from './auth/recovery-code.entity.js';
import { UserTotp } from './auth/user-totp.entity.js';
import { GroupMember } from './groups/group-member.entity.js';
import { Group } from './groups/group.entity.js';
import { Invitation } from './invitations/invitation.entity.js';
import { OneTimeLink } from './links/one-time-link.entity.js';
import { MailOutboxRow } from './mail/mail-outbox.entity.js';
import { Role } from './roles/role.entity.js';
import { ImportJob, ImportRow } from './security/import/import-job.entity.js';
import { UserRole } from './roles/user-role.entity.js';
import { TenantSettings } from './tenancy/tenant-settings.entity.js';
import { Tenant } from './tenancy/tenant.entity.js';
import { UserCount } from './users/user-count.entity.js';
import { User } from './users/user.entity.js';

/** Every table the migrations make (but `session`), described by its owner; test/schema.e2e-spec.ts holds them to the migrated schema. */
export const ENTITIES = [
  Tenant,
  User,
  Role,
  UserRole,
  Group,
  GroupMember,
  Invitation,
  MailOutboxRow,
  OneTimeLink,
  AuditEvent,
  LoginThrottle,
  UserTotp,
  RecoveryCode,
  Passkey,
  TenantSettings,
  UserCount,
  ImportJob,
  ImportRow,
];

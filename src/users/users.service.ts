import { Injectable } from '@nestjs/common';
import { orNotFound } from '../common/decorators.js';
import { EntityManager } from '@mikro-orm/postgresql';
import { AuditService } from '../audit/audit.service.js';
import type { SessionUser } from './session-user.js';
import type { FieldErrors } from '../common/validate-form.js';
import { RolesRepository } from '../roles/roles.repository.js';
import type { TenantId } from '../tenancy/tenant-id.js';
import type { UserFormDto } from './dto/user-form.dto.js';
import { ACCEPTED_TYPES, canLogIn } from './user-type.js';
import { UserListRepository } from './user-list.repository.js';
import { UsersRepository, type UserContact, type UserFields, type UserRecord } from './users.repository.js';

export const STALE_FORM_MESSAGE =
  'Someone else saved this user after you opened the form. Your changes were not saved: reload the user to see theirs, then make yours again.';

export const LAST_SECURITY_USER_MESSAGE =
  'This is the last active user who may use the Security module, so the instance would lock itself out. Give another active user the Administrator role first.';

/** Thrown inside a transaction to roll it back: the change would leave nobody who may use the Security module. */
export class LastSecurityUserError extends Error {}

export type SaveResult = { ok: true; id: number } | { ok: false; errors: FieldErrors };

/** Creating and changing users: validation against the instance's data, optimistic locking, audit. */
@Injectable()
export class UsersService {
  constructor(
    private readonly em: EntityManager,
    private readonly users: UsersRepository,
    private readonly lists: UserListRepository,
    private readonly roles: RolesRepository,
    private readonly audit: AuditService,
  ) {}

  async get(tenantId: TenantId, id: number): Promise<UserRecord> {
    return orNotFound(await this.users.findById(tenantId, id));
  }

  /**
   * Saves a new user (`before` undefined) or changes the one the form was opened on (`before`, as
   * the caller loaded it). Nothing is written unless everything is valid.
   */
  async save(tenantId: TenantId, actor: SessionUser, before: UserRecord | undefined, form: UserFormDto, ip: string): Promise<SaveResult> {
    const { roleIds, errors } = await this.checkRoles(tenantId, form.roles);
    // What is stored: no email is null; a form without Language (an older page) keeps the user's.
    const fields: UserFields = {
      login: form.login,
      name: form.name,
      email: form.email || null,
      userType: form.userType,
      language: form.language === undefined ? (before?.language ?? null) : form.language || null,
    };
    if (await this.users.loginTaken(tenantId, form.login, before?.id)) errors.login = 'This login is already used by another user of this instance.';
    if (Object.keys(errors).length) return { ok: false, errors };

    try {
      const savedId = await this.em.transactional(async (em) => {
        const userId = before ? await this.update(em, tenantId, before, form.version, fields) : await this.users.insert(em, tenantId, fields);
        if (userId === undefined) return undefined;
        await this.roles.setRolesOf(em, tenantId, userId, roleIds);
        if (before && mayLoseSecurityUser(before, form.userType, roleIds) && (await this.users.countSecurityUsers(tenantId, em)) === 0) {
          throw new LastSecurityUserError();
        }
        await this.auditChanges(em, tenantId, actor, userId, before, fields, roleIds, ip);
        return userId;
      });
      if (savedId === undefined) return { ok: false, errors: { _form: STALE_FORM_MESSAGE } };
      return { ok: true, id: savedId };
    } catch (err) {
      if (err instanceof LastSecurityUserError) return { ok: false, errors: { _form: LAST_SECURITY_USER_MESSAGE } };
      // Two admins creating the same login at the same moment: the unique index decides.
      if ((err as { code?: string }).code === '23505') return { ok: false, errors: { login: 'This login is already used by another user of this instance.' } };
      throw err;
    }
  }

  /** A user chose their own language (My account): stored and audited together. */
  async changeLanguage(tenantId: TenantId, actor: SessionUser, language: string | null, ip: string): Promise<void> {
    await this.em.transactional(async (em) => {
      await this.users.setLanguage(tenantId, actor.id, language, em);
      const base = { tenantId, actor: { id: actor.id, login: actor.login }, target: { type: 'user', id: actor.id }, ip };
      await this.audit.record({ ...base, event: 'user_language_changed', details: { before: actor.language, after: language } }, em);
    });
  }

  /** A user changed their own password (My account): stored and audited together. */
  async changePassword(tenantId: TenantId, actor: SessionUser, passwordHash: string, ip: string): Promise<void> {
    await this.em.transactional(async (em) => {
      await this.users.setPassword(tenantId, actor.id, passwordHash, em);
      await this.audit.record(
        { tenantId, event: 'password_changed', actor: { id: actor.id, login: actor.login }, target: { type: 'user', id: actor.id }, ip },
        em,
      );
    });
  }

  /** Refused (undefined) when the form was opened on an older version than the one stored. */
  private async update(
    em: EntityManager,
    tenantId: TenantId,
    before: UserRecord,
    version: number | undefined,
    fields: UserFields,
  ): Promise<number | undefined> {
    if (version !== before.version) return undefined;
    return this.users.update(em, tenantId, before.id, before.version, fields);
  }

  private async auditChanges(
    em: EntityManager,
    tenantId: TenantId,
    actor: SessionUser,
    userId: number,
    before: UserRecord | undefined,
    fields: UserFields,
    roleIds: number[],
    ip: string,
  ): Promise<void> {
    const names = await this.roles.namesOf(tenantId, [...new Set([...roleIds, ...(before?.role_ids ?? [])])], em);
    const roleNames = (ids: number[]) => ids.map((r) => names.get(r) ?? `#${r}`).sort();
    const base = { tenantId, actor: { id: actor.id, login: actor.login }, target: { type: 'user', id: userId }, ip };
    if (!before) {
      const details = { login: fields.login, userType: fields.userType, roles: roleNames(roleIds), ...(fields.language ? { language: fields.language } : {}) };
      await this.audit.record({ ...base, event: 'user_created', details }, em);
      return;
    }
    if (before.user_type !== fields.userType) {
      await this.audit.record({ ...base, event: 'user_type_changed', details: { before: before.user_type, after: fields.userType } }, em);
    }
    const [was, now] = [roleNames(before.role_ids), roleNames(roleIds)];
    if (was.join('\n') !== now.join('\n')) await this.audit.record({ ...base, event: 'user_roles_changed', details: { before: was, after: now } }, em);
    const { login, name, email, language } = fields;
    if (before.login !== login || before.name !== name || (before.email ?? null) !== email || before.language !== language) {
      await this.audit.record({ ...base, event: 'user_updated', details: { login, ...(before.language !== language ? { language } : {}) } }, em);
    }
  }

  /** Role lines: empty lines are ignored; unknown ids (or another instance's) and duplicates get a message on their line. */
  private async checkRoles(tenantId: TenantId, lines: string[]): Promise<{ roleIds: number[]; errors: FieldErrors }> {
    const errors: FieldErrors = {};
    const ids = lines.map((l) => (/^\d{1,9}$/.test(l) ? Number(l) : l === '' ? 0 : -1));
    const known = await this.roles.namesOf(
      tenantId,
      ids.filter((i) => i > 0),
    );
    const seen = new Set<number>();
    ids.forEach((roleId, line) => {
      if (roleId === 0) return;
      if (roleId < 0 || !known.has(roleId)) errors[`roles.${line}`] = 'Choose a role from the list.';
      else if (seen.has(roleId)) errors[`roles.${line}`] = 'This role is already in the list.';
      seen.add(roleId);
    });
    return { roleIds: [...seen].filter((r) => known.has(r)), errors };
  }

  // ---- for the features that build on users (invitations, instances) ----

  listByIds(tenantId: TenantId, ids: number[]): Promise<{ id: number; login: string; name: string; user_type: string }[]> {
    return this.users.listByIds(tenantId, ids);
  }

  async contact(tenantId: TenantId, id: number): Promise<UserContact | undefined> {
    return this.users.findContact(tenantId, id);
  }

  /** Locks the user's row for the rest of the caller's transaction; false when there is no such user. */
  lock(em: EntityManager, tenantId: TenantId, id: number): Promise<boolean> {
    return this.users.lock(em, tenantId, id);
  }

  /** Sets the password and turns an invitation type into the type that can log in. */
  activate(em: EntityManager, tenantId: TenantId, id: number, passwordHash: string): Promise<{ login: string; user_type: string }> {
    return this.users.activate(em, tenantId, id, passwordHash, ACCEPTED_TYPES);
  }

  /** A user made by the system (an instance's first administrator), in the caller's transaction. */
  createInternal(em: EntityManager, tenantId: TenantId, user: { login: string; name: string; email: string; passwordHash: string }): Promise<number> {
    return this.users.insert(em, tenantId, { ...user, userType: 'Internal' });
  }

  countPerTenant(): Promise<Map<TenantId, number>> {
    return this.lists.countPerTenant();
  }

  markInvitationRequested(em: EntityManager, tenantId: TenantId, id: number): Promise<void> {
    return this.users.markInvitationRequested(em, tenantId, id);
  }

  clearInvitationRequested(em: EntityManager, tenantId: TenantId, ids: number[]): Promise<void> {
    return this.users.clearInvitationRequested(em, tenantId, ids);
  }
}

/** Only a removed role, or a type that can no longer log in, can take the last Security user away (renames cannot: no lock for them). */
function mayLoseSecurityUser(before: UserRecord, userType: string, roleIds: number[]): boolean {
  return before.role_ids.some((r) => !roleIds.includes(r)) || (canLogIn(before.user_type) && !canLogIn(userType));
}

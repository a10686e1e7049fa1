import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { asDate, pgArray, sql, sqlOne } from '../database/sql.js';
import { tenantIdFromDatabase, type TenantId } from '../tenancy/tenant-id.js';
import type { InvitationState } from './invitation.entity.js';

/** A user as the invitation rules see them. */
export interface InviteeRow {
  id: number;
  login: string;
  name: string;
  email: string | null;
  user_type: string;
  role_names: string[];
  accepted: boolean;
  deactivated: boolean;
}

/** An invitation of an instance. */
export interface InvitationRef {
  tenantId: TenantId;
  id: number;
}

/** An invitation whose reminder was just queued. */
export interface ReminderRow extends InvitationRef {
  userId: number;
  email: string;
  expiresAt: Date;
}

export function refsJson(refs: InvitationRef[]): string {
  return JSON.stringify(refs.map((r) => ({ tenant_id: r.tenantId, id: r.id })));
}

/** States in which an invitation's mail may still go out and its link may still be used. */
export const OPEN_STATES: InvitationState[] = ['queued', 'sending', 'sent', 'failed'];
const OPEN = `(${OPEN_STATES.map((s) => `'${s}'`).join(', ')})`;

/**
 * A user with what the invitation rules need: roles by name, and whether an invitation was accepted.
 * A read across the users' and roles' tables, so a send checks and locks its invitees in one statement.
 */
const INVITEE_SELECT = `select u.id, u.login, u.name, u.email, u.user_type,
    coalesce((select array_agg(r.name order by r.name) from user_role ur join role r on r.tenant_id = ur.tenant_id and r.id = ur.role_id
              where ur.tenant_id = u.tenant_id and ur.user_id = u.id), '{}') as role_names,
    exists (select 1 from invitation i where i.tenant_id = u.tenant_id and i.user_id = u.id and i.status = 'accepted') as accepted,
    u.deactivated_at is not null as deactivated
  from app_user u`;

/** Queries on invitations. Writes take the transaction's EntityManager; every method takes the tenant first. */
@Injectable()
export class InvitationsRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * The users to invite, locked for the rest of the transaction (in id order, so two bulk sends
   * cannot deadlock): sends, revokes and acceptance of one user happen one at a time.
   */
  async lockInvitees(em: EntityManager, tenantId: TenantId, userIds: number[]): Promise<InviteeRow[]> {
    return sql<InviteeRow>(em, `${INVITEE_SELECT} where u.tenant_id = ? and u.id = any(?::int[]) order by u.id for update of u`, [tenantId, pgArray(userIds)]);
  }

  async findInvitee(tenantId: TenantId, userId: number): Promise<InviteeRow | undefined> {
    return sqlOne<InviteeRow>(this.em, `${INVITEE_SELECT} where u.tenant_id = ? and u.id = ?`, [tenantId, userId]);
  }

  /** Of these users, those who were invited before (so this one is a resend). */
  async invitedBefore(em: EntityManager, tenantId: TenantId, userIds: number[]): Promise<Set<number>> {
    const rows = await sql<{ user_id: number }>(em, 'select distinct user_id from invitation where tenant_id = ? and user_id = any(?::int[])', [
      tenantId,
      pgArray(userIds),
    ]);
    return new Set(rows.map((r) => r.user_id));
  }

  /** Ends every open invitation of these users; returns their ids. */
  async revokeOpen(em: EntityManager, tenantId: TenantId, userIds: number[], at: Date): Promise<number[]> {
    const rows = await sql<{ id: number }>(
      em,
      `update invitation set status = 'revoked', revoked_at = ? where tenant_id = ? and user_id = any(?::int[]) and status in ${OPEN} returning id`,
      [at, tenantId, pgArray(userIds)],
    );
    return rows.map((r) => r.id);
  }

  /** One queued invitation per user, with the roles it grants; returns user id -> invitation id. */
  async insertQueued(em: EntityManager, tenantId: TenantId, invitees: { id: number; role_names: string[] }[], sentById: number): Promise<Map<number, number>> {
    const rows = await sql<{ id: number; user_id: number }>(
      em,
      `insert into invitation (tenant_id, user_id, status, role_names, sent_by_id)
       select ?, x.id, 'queued', x.role_names, ? from jsonb_to_recordset(?::jsonb) as x(id int, role_names text[])
       returning id, user_id`,
      [tenantId, sentById, JSON.stringify(invitees.map((i) => ({ id: i.id, role_names: i.role_names })))],
    );
    return new Map(rows.map((r) => [r.user_id, r.id]));
  }

  // ---- delivery (the invitation's mail composer): a claimed batch spans instances, so rows are (tenant, id) pairs ----

  /** Their mails are about to go out; returns the ids still open (the others were revoked meanwhile). */
  async markSending(em: EntityManager, refs: InvitationRef[]): Promise<Set<number>> {
    const rows = await sql<{ id: number }>(
      em,
      `update invitation i set status = 'sending' from jsonb_to_recordset(?::jsonb) as x(tenant_id int, id int)
       where i.tenant_id = x.tenant_id and i.id = x.id and i.status in ${OPEN} returning i.id`,
      [refsJson(refs)],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** SMTP accepted their mails: each shows as sent until its link's expiry. Returns the ids still 'sending' (not revoked meanwhile). */
  async markSent(em: EntityManager, sent: (InvitationRef & { expiresAt: Date })[], at: Date): Promise<Set<number>> {
    const rows = await sql<{ id: number }>(
      em,
      `update invitation i set status = 'sent', expires_at = x.expires_at, sent_at = ?, last_error = null
       from jsonb_to_recordset(?::jsonb) as x(tenant_id int, id int, expires_at timestamptz)
       where i.tenant_id = x.tenant_id and i.id = x.id and i.status = 'sending' returning i.id`,
      [at, JSON.stringify(sent.map((s) => ({ tenant_id: s.tenantId, id: s.id, expires_at: s.expiresAt })))],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** Given back unsent (shutdown): queued or failed again, as before the claim. */
  async unmarkSending(em: EntityManager, refs: InvitationRef[]): Promise<void> {
    await sql(
      em,
      `update invitation i set status = case when i.last_error is null then 'queued' else 'failed' end
       from jsonb_to_recordset(?::jsonb) as x(tenant_id int, id int)
       where i.tenant_id = x.tenant_id and i.id = x.id and i.status = 'sending'`,
      [refsJson(refs)],
    );
  }

  /** Whose invitation this is (undefined: no such invitation in the instance). */
  async userOf(em: EntityManager, tenantId: TenantId, id: number): Promise<number | undefined> {
    return (await sqlOne<{ user_id: number }>(em, 'select user_id from invitation where tenant_id = ? and id = ?', [tenantId, id]))?.user_id;
  }

  /** The invitation's mail failed: its user's id, or undefined when the invitation was closed meanwhile. */
  async markFailed(em: EntityManager, tenantId: TenantId, id: number, reason: string): Promise<number | undefined> {
    const row = await sqlOne<{ user_id: number }>(
      em,
      `update invitation set status = 'failed', last_error = ? where tenant_id = ? and id = ? and status in ('queued', 'sending', 'failed') returning user_id`,
      [reason, tenantId, id],
    );
    return row?.user_id;
  }

  /** The user's open invitation is accepted (their link was used in this transaction). */
  async markAccepted(em: EntityManager, tenantId: TenantId, userId: number, at: Date): Promise<number | undefined> {
    const row = await sqlOne<{ id: number }>(
      em,
      `update invitation set status = 'accepted', accepted_at = ? where tenant_id = ? and user_id = ? and status in ${OPEN} returning id`,
      [at, tenantId, userId],
    );
    return row?.id;
  }

  /**
   * The user's delivered, unaccepted invitation (the latest one) lives `seconds` longer: from its
   * expiry, or from now when it has already expired, and gets its own reminder before the new
   * expiry. Returns the expiry before and after.
   */
  async extend(
    em: EntityManager,
    tenantId: TenantId,
    userId: number,
    seconds: number,
    now: Date,
  ): Promise<{ id: number; before: Date; after: Date } | undefined> {
    const row = await sqlOne<{ id: number; before: Date | string; after: Date | string }>(
      em,
      `with cur as (
         select id, expires_at from invitation where tenant_id = ? and user_id = ? order by id desc limit 1 for update)
       update invitation i set expires_at = greatest(cur.expires_at, ?::timestamptz) + make_interval(secs => ?), reminded_at = null
       from cur where i.tenant_id = ? and i.id = cur.id and i.status = 'sent' and i.expires_at is not null
       returning i.id, cur.expires_at as before, i.expires_at as after`,
      [tenantId, userId, now, seconds, tenantId],
    );
    return row && { id: row.id, before: asDate(row.before)!, after: asDate(row.after)! };
  }

  // ---- reminders: one per invitation, queued by the sweep; the reminder's composer makes its link ----

  /**
   * Marks up to `limit` invitations reminded at `now` and returns them: delivered, not reminded yet,
   * expiring in (now, until], of active users with an address (the partial index invitation_remind_idx
   * serves the range). Rows another process holds are skipped and the update checks reminded_at
   * again, so two processes never remind one invitation twice.
   */
  async claimReminders(em: EntityManager, now: Date, until: Date, limit: number): Promise<ReminderRow[]> {
    const rows = await sql<{ tenant_id: number; id: number; user_id: number; email: string; expires_at: Date | string }>(
      em,
      `with due as (
         select i.tenant_id, i.id from invitation i join app_user u on u.tenant_id = i.tenant_id and u.id = i.user_id
         where i.status = 'sent' and i.reminded_at is null and i.expires_at > ? and i.expires_at <= ? and u.deactivated_at is null and u.email is not null
         order by i.expires_at limit ? for update of i skip locked)
       update invitation i set reminded_at = ? from due, app_user u
       where i.tenant_id = due.tenant_id and i.id = due.id and i.status = 'sent' and i.reminded_at is null and u.tenant_id = i.tenant_id and u.id = i.user_id
       returning i.tenant_id, i.id, i.user_id, u.email, i.expires_at`,
      [now, until, limit, now],
    );
    return rows.map((r) => ({ tenantId: tenantIdFromDatabase(r.tenant_id), id: r.id, userId: r.user_id, email: r.email, expiresAt: asDate(r.expires_at)! }));
  }

  /**
   * Of these invitations, the ones a reminder's link may still be made for (delivered, not expired),
   * with their current expiry, locked for the caller's transaction: an acceptance, a resend, a revoke
   * or an extension waits until the new link is in place, and then ends or moves it with the first.
   */
  async lockForReminder(em: EntityManager, refs: InvitationRef[], now: Date): Promise<Map<number, Date>> {
    const rows = await sql<{ id: number; expires_at: Date | string }>(
      em,
      `select i.id, i.expires_at from jsonb_to_recordset(?::jsonb) as x(tenant_id int, id int)
       join invitation i on i.tenant_id = x.tenant_id and i.id = x.id
       where i.status = 'sent' and i.expires_at > ? order by i.tenant_id, i.id for update of i`,
      [refsJson(refs), now],
    );
    return new Map(rows.map((r) => [r.id, asDate(r.expires_at)!]));
  }

  /** SMTP accepted their reminders: reminded_at says when. */
  async markReminderSent(em: EntityManager, refs: InvitationRef[], at: Date): Promise<void> {
    await sql(
      em,
      `update invitation i set reminded_at = ? from jsonb_to_recordset(?::jsonb) as x(tenant_id int, id int)
       where i.tenant_id = x.tenant_id and i.id = x.id and i.reminded_at is not null`,
      [at, refsJson(refs)],
    );
  }
}

import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { asDate, pgArray, sql, sqlOne } from '../database/sql.js';
import type { TenantId } from '../tenancy/tenant-id.js';
import type { InvitationState } from './invitation.entity.js';
import { refsJson, type InvitationRef } from './invitations.repository.js';

export interface MailRow {
  id: number;
  user_id: number;
  status: InvitationState;
  login: string;
  name: string;
  email: string | null;
  /** The invitee's language (null: the instance's default): the mail is written in it. */
  language: string | null;
}

export interface LatestInvitationRow {
  user_id: number;
  invitation_requested_at: Date | null;
  status: InvitationState | null;
  last_error: string | null;
  sent_at: Date | null;
  expires_at: Date | null;
  created_at: Date | null;
  sent_by_login: string | null;
  reminded_at: Date | null;
}

/** Reads of invitations for what people see (the users list, the user form, the mails, the audit of a request); the writes are InvitationsRepository's. */
@Injectable()
export class InvitationViewsRepository {
  constructor(private readonly em: EntityManager) {}

  /** The latest invitation of each of these users (status null when never invited): one query for a page of users. */
  async latestByUser(tenantId: TenantId, userIds: number[]): Promise<LatestInvitationRow[]> {
    const rows = await sql<LatestInvitationRow>(
      this.em,
      `select u.id as user_id, u.invitation_requested_at, l.status, l.last_error, l.sent_at, l.expires_at, l.created_at, l.sent_by_login, l.reminded_at
       from app_user u
       left join lateral (
         select i.status, i.last_error, i.sent_at, i.expires_at, i.created_at, i.reminded_at, s.login as sent_by_login
         from invitation i left join app_user s on s.tenant_id = i.tenant_id and s.id = i.sent_by_id
         where i.tenant_id = u.tenant_id and i.user_id = u.id
         order by i.id desc limit 1) l on true
       where u.tenant_id = ? and u.id = any(?::int[])`,
      [tenantId, pgArray(userIds)],
    );
    return rows.map((r) => ({
      ...r,
      invitation_requested_at: asDate(r.invitation_requested_at),
      sent_at: asDate(r.sent_at),
      expires_at: asDate(r.expires_at),
      created_at: asDate(r.created_at),
      reminded_at: asDate(r.reminded_at),
    }));
  }

  /** The latest invitation's state of each of these users who was ever invited (the users list: one index range per user). */
  async latestStates(
    tenantId: TenantId,
    userIds: number[],
  ): Promise<{ user_id: number; status: InvitationState; expires_at: Date | null; last_error: string | null }[]> {
    const rows = await sql<{ user_id: number; status: InvitationState; expires_at: Date | null; last_error: string | null }>(
      this.em,
      `select distinct on (user_id) user_id, status, expires_at, last_error from invitation
       where tenant_id = ? and user_id = any(?::int[]) order by user_id, id desc`,
      [tenantId, pgArray(userIds)],
    );
    return rows.map((r) => ({ ...r, expires_at: asDate(r.expires_at) }));
  }

  /** The user's latest invitation id, for the audit of a request for a new one. */
  async latestId(tenantId: TenantId, userId: number): Promise<number | undefined> {
    return (
      (await sqlOne<{ id: number }>(this.em, 'select max(id) as id from invitation where tenant_id = ? and user_id = ?', [tenantId, userId]))?.id ?? undefined
    );
  }

  /** The invitations with their invitees' names and addresses, in one read for the mails. */
  async findForMail(refs: InvitationRef[]): Promise<Map<number, MailRow>> {
    const rows = await sql<MailRow>(
      this.em,
      `select i.id, i.user_id, i.status, u.login, u.name, u.email, u.language
       from jsonb_to_recordset(?::jsonb) as x(tenant_id int, id int)
       join invitation i on i.tenant_id = x.tenant_id and i.id = x.id
       join app_user u on u.tenant_id = i.tenant_id and u.id = i.user_id`,
      [refsJson(refs)],
    );
    return new Map(rows.map((r) => [r.id, r]));
  }
}

import { Injectable } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray, sql, sqlOne } from '../database/sql.js';
import { EVERYBODY } from '../groups/group.entity.js';
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

/** A claimed mail job with what the mail needs. */
export interface DueInvitationRow {
  id: number;
  tenant_id: number;
  user_id: number;
  attempts: number;
  last_error: string | null;
  tenant_name: string;
  display_name: string;
  login: string;
  name: string;
  email: string | null;
}

/** The invitation a Create Account link points to. */
export interface LinkRow {
  id: number;
  status: InvitationState;
  expires_at: Date | null;
  user_id: number;
  login: string;
  name: string;
  user_type: string;
  /** A newer invitation exists for the same user. */
  replaced: boolean;
}

export interface LatestInvitationRow {
  user_id: number;
  invitation_requested_at: Date | null;
  status: InvitationState | null;
  last_error: string | null;
  sent_at: Date | null;
  reminded_at: Date | null;
  expires_at: Date | null;
  created_at: Date | null;
  sent_by_login: string | null;
}

/** The ORM's driver hands timestamps over as text. */
function toDate(value: Date | string | null): Date | null {
  return value === null || value === undefined ? null : value instanceof Date ? value : new Date(value);
}

const OPEN = `('queued', 'sending', 'sent', 'failed')`;

/** A user with what the invitation rules need: roles by name, and whether an invitation was accepted. */
const INVITEE_SELECT = `select u.id, u.login, u.name, u.email, u.user_type,
    coalesce((select array_agg(r.name order by r.name) from user_role ur join role r on r.id = ur.role_id
              where ur.tenant_id = u.tenant_id and ur.user_id = u.id), '{}') as role_names,
    exists (select 1 from invitation i where i.tenant_id = u.tenant_id and i.user_id = u.id and i.status = 'accepted') as accepted,
    u.deactivated_at is not null as deactivated
  from app_user u`;

/** Queries on invitations (which are also the mail queue). Every method takes the transaction's EntityManager; tenant-owned lookups take the tenant. */
@Injectable()
export class InvitationsRepository {
  /** Locks the user's row for the rest of the transaction. */
  async lockUser(em: EntityManager, tenantId: number, userId: number): Promise<boolean> {
    return !!(await sqlOne(em, 'select id from app_user where tenant_id = ? and id = ? for update', [tenantId, userId]));
  }

  /**
   * The users to invite, locked for the rest of the transaction (in id order, so two bulk sends
   * cannot deadlock): sends, revokes and acceptance of one user happen one at a time.
   */
  async lockInvitees(em: EntityManager, tenantId: number, userIds: number[]): Promise<InviteeRow[]> {
    return sql<InviteeRow>(em, `${INVITEE_SELECT} where u.tenant_id = ? and u.id = any(?::int[]) order by u.id for update of u`, [tenantId, pgArray(userIds)]);
  }

  async findInvitee(em: EntityManager, tenantId: number, userId: number): Promise<InviteeRow | undefined> {
    return sqlOne<InviteeRow>(em, `${INVITEE_SELECT} where u.tenant_id = ? and u.id = ?`, [tenantId, userId]);
  }

  /** Of these users, those who were invited before (so this one is a resend). */
  async invitedBefore(em: EntityManager, tenantId: number, userIds: number[]): Promise<Set<number>> {
    const rows = await sql<{ user_id: number }>(em, 'select distinct user_id from invitation where tenant_id = ? and user_id = any(?::int[])', [
      tenantId,
      pgArray(userIds),
    ]);
    return new Set(rows.map((r) => r.user_id));
  }

  /** Kills every open invitation of these users (their links stop working); returns how many. */
  async revokeOpen(em: EntityManager, tenantId: number, userIds: number[], at: Date): Promise<number> {
    const rows = await sql(
      em,
      `update invitation set status = 'revoked', revoked_at = ?, locked_until = null where tenant_id = ? and user_id = any(?::int[]) and status in ${OPEN} returning id`,
      [at, tenantId, pgArray(userIds)],
    );
    return rows.length;
  }

  /** One queued invitation (= mail job) per user, with the roles it grants; returns user id -> invitation id. */
  async insertQueued(em: EntityManager, tenantId: number, invitees: { id: number; role_names: string[] }[], sentById: number): Promise<Map<number, number>> {
    const rows = await sql<{ id: number; user_id: number }>(
      em,
      `insert into invitation (tenant_id, user_id, status, role_names, sent_by_id, next_attempt_at)
       select ?, x.id, 'queued', x.role_names, ?, now() from jsonb_to_recordset(?::jsonb) as x(id int, role_names text[])
       returning id, user_id`,
      [tenantId, sentById, JSON.stringify(invitees.map((i) => ({ id: i.id, role_names: i.role_names })))],
    );
    return new Map(rows.map((r) => [r.user_id, r.id]));
  }

  async clearRequested(em: EntityManager, tenantId: number, userIds: number[]): Promise<void> {
    await sql(em, 'update app_user set invitation_requested_at = null where tenant_id = ? and id = any(?::int[]) and invitation_requested_at is not null', [
      tenantId,
      pgArray(userIds),
    ]);
  }

  async latestByUser(em: EntityManager, tenantId: number, userIds: number[]): Promise<LatestInvitationRow[]> {
    const rows = await sql<LatestInvitationRow>(
      em,
      `select u.id as user_id, u.invitation_requested_at, l.status, l.last_error, l.sent_at, l.reminded_at, l.expires_at, l.created_at, l.sent_by_login
       from app_user u
       left join lateral (
         select i.status, i.last_error, i.sent_at, i.reminded_at, i.expires_at, i.created_at, s.login as sent_by_login
         from invitation i left join app_user s on s.id = i.sent_by_id
         where i.tenant_id = u.tenant_id and i.user_id = u.id
         order by i.id desc limit 1) l on true
       where u.tenant_id = ? and u.id = any(?::int[])`,
      [tenantId, pgArray(userIds)],
    );
    return rows.map((r) => ({
      ...r,
      invitation_requested_at: toDate(r.invitation_requested_at),
      sent_at: toDate(r.sent_at),
      reminded_at: toDate(r.reminded_at),
      expires_at: toDate(r.expires_at),
      created_at: toDate(r.created_at),
    }));
  }

  // ---- the mail queue ----

  /**
   * Claims due jobs for this process: queued or failed ones whose time has come, and ones left
   * 'sending' by a process that died (lease over). SKIP LOCKED lets several processes claim at
   * once without taking the same row; `attempts` is the fencing token of this claim.
   */
  async claimDue(em: EntityManager, limit: number, maxAttempts: number, leaseSeconds: number): Promise<DueInvitationRow[]> {
    return sql<DueInvitationRow>(
      em,
      `with claimed as (
         update invitation i set status = 'sending', locked_until = now() + make_interval(secs => ?), attempts = i.attempts + 1
         where i.id in (
           select id from invitation
           where status in ('queued', 'failed', 'sending')
             and ((status in ('queued', 'failed') and next_attempt_at <= now() and attempts < ?)
                  or (status = 'sending' and locked_until < now()))
           order by next_attempt_at
           limit ?
           for update skip locked)
         returning i.id, i.tenant_id, i.user_id, i.attempts, i.last_error)
       select c.id, c.tenant_id, c.user_id, c.attempts, c.last_error, t.name as tenant_name, t.display_name, u.login, u.name, u.email
       from claimed c join tenant t on t.id = c.tenant_id join app_user u on u.tenant_id = c.tenant_id and u.id = c.user_id`,
      [leaseSeconds, maxAttempts, limit],
    );
  }

  /** The mail was accepted by SMTP: the link (by its hash) becomes the one that works. False when the claim was lost (revoked meanwhile, or re-claimed). */
  async markSent(em: EntityManager, id: number, attempts: number, tokenHash: string, expiresAt: Date, at: Date): Promise<boolean> {
    const rows = await sql(
      em,
      `update invitation set status = 'sent', token_hash = ?, expires_at = ?, sent_at = ?, locked_until = null, last_error = null
       where id = ? and status = 'sending' and attempts = ? returning id`,
      [tokenHash, expiresAt, at, id, attempts],
    );
    return rows.length === 1;
  }

  /** `setAttempts` at the maximum stops the retries (giving up); the row stays 'failed' with its reason. */
  async markFailed(em: EntityManager, id: number, attempts: number, reason: string, retryInMs: number, setAttempts: number): Promise<boolean> {
    const rows = await sql(
      em,
      `update invitation set status = 'failed', last_error = ?, next_attempt_at = now() + make_interval(secs => ?), locked_until = null, attempts = ?
       where id = ? and status = 'sending' and attempts = ? returning id`,
      [reason, retryInMs / 1000, setAttempts, id, attempts],
    );
    return rows.length === 1;
  }

  /** Gives claimed but unsent jobs back (shutdown), as if never claimed. */
  async release(em: EntityManager, ids: number[]): Promise<void> {
    if (!ids.length) return;
    await sql(
      em,
      `update invitation set status = case when last_error is null then 'queued' else 'failed' end, locked_until = null, attempts = greatest(attempts - 1, 0)
       where id = any(?::int[]) and status = 'sending'`,
      [pgArray(ids)],
    );
  }

  // ---- Create Account links ----

  async findByTokenHash(em: EntityManager, tenantId: number, tokenHash: string): Promise<LinkRow | undefined> {
    const row = await sqlOne<LinkRow>(
      em,
      `select i.id, i.status, i.expires_at, i.user_id, u.login, u.name, u.user_type,
              exists (select 1 from invitation n where n.tenant_id = i.tenant_id and n.user_id = i.user_id and n.id > i.id) as replaced
       from invitation i join app_user u on u.tenant_id = i.tenant_id and u.id = i.user_id
       where i.tenant_id = ? and (i.token_hash = ? or i.reminder_token_hash = ?)`,
      [tenantId, tokenHash, tokenHash],
    );
    return row && { ...row, expires_at: toDate(row.expires_at) };
  }

  /** Uses the link: exactly one of any number of concurrent calls gets the row (Read Committed re-checks the WHERE). The hash stays, so a second visit can say "already used". */
  async consume(em: EntityManager, tenantId: number, tokenHash: string, now: Date): Promise<{ id: number; user_id: number } | undefined> {
    return sqlOne(
      em,
      `update invitation set status = 'accepted', accepted_at = ?
       where tenant_id = ? and (token_hash = ? or reminder_token_hash = ?) and status = 'sent' and expires_at > ? returning id, user_id`,
      [now, tenantId, tokenHash, tokenHash, now],
    );
  }

  /** Sets the password and turns the invitation type into the type that can log in. */
  async activateUser(
    em: EntityManager,
    tenantId: number,
    userId: number,
    passwordHash: string,
    types: [string, string][],
  ): Promise<{ login: string; user_type: string }> {
    const cases = types.map(() => 'when ? then ?').join(' ');
    const row = await sqlOne<{ login: string; user_type: string }>(
      em,
      `update app_user set password_hash = ?, user_type = case user_type ${cases} else user_type end,
              invitation_requested_at = null, version = version + 1, updated_at = now()
       where tenant_id = ? and id = ? returning login, user_type`,
      [passwordHash, ...types.flat(), tenantId, userId],
    );
    return row!;
  }

  async joinEverybody(em: EntityManager, tenantId: number, userId: number): Promise<void> {
    await sql(
      em,
      `insert into group_member (tenant_id, user_id, group_id)
       select ?, ?, g.id from user_group g where g.tenant_id = ? and lower(g.name) = lower(?)
       on conflict do nothing`,
      [tenantId, userId, tenantId, EVERYBODY],
    );
  }

  async requestsSince(em: EntityManager, tenantId: number, userId: number, seconds: number): Promise<number> {
    const row = await sqlOne<{ n: number }>(
      em,
      `select count(*)::int as n from audit_event
       where tenant_id = ? and event = 'invitation_requested_again' and target_type = 'user' and target_id = ? and at > now() - make_interval(secs => ?)`,
      [tenantId, userId, seconds],
    );
    return row?.n ?? 0;
  }

  async markRequested(em: EntityManager, tenantId: number, userId: number): Promise<void> {
    await sql(em, 'update app_user set invitation_requested_at = now() where tenant_id = ? and id = ?', [tenantId, userId]);
  }
}

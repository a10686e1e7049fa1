import { Injectable } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { sql, sqlOne } from '../database/sql.js';

/** A reminder due, claimed for this process, with what its mail needs. */
export interface DueReminderRow {
  id: number;
  tenant_id: number;
  user_id: number;
  expires_at: Date;
  /** SHA-256 of the reminder's link token. */
  hash: string;
  tenant_name: string;
  display_name: string;
  login: string;
  name: string;
  email: string | null;
}

const MAX_REMINDER_ATTEMPTS = 5;

/** The dates of a user's current invitation link: extending it, and the reminder before it expires. */
@Injectable()
export class InvitationTimingRepository {
  /**
   * The user's delivered, unaccepted invitation (the latest one) lives `seconds` longer: from its
   * expiry, or from now when it has already expired. Returns the expiry before and after.
   */
  async extend(
    em: EntityManager,
    tenantId: number,
    userId: number,
    seconds: number,
    now: Date,
  ): Promise<{ id: number; before: Date; after: Date } | undefined> {
    const row = await sqlOne<{ id: number; before: Date | string; after: Date | string }>(
      em,
      `with cur as (
         select id, expires_at from invitation where tenant_id = ? and user_id = ? order by id desc limit 1 for update)
       update invitation i set expires_at = greatest(cur.expires_at, ?) + make_interval(secs => ?)
       from cur where i.tenant_id = ? and i.id = cur.id and i.status = 'sent' and i.expires_at is not null
       returning i.id, cur.expires_at as before, i.expires_at as after`,
      [tenantId, userId, now, seconds, tenantId],
    );
    return row && { id: row.id, before: new Date(row.before), after: new Date(row.after) };
  }

  /**
   * Claims due reminders: delivered, unaccepted invitations that expire within `beforeSeconds` and
   * have had none. The new link's hash is stored with the claim (committed before the mail can
   * arrive); `reminded_at` marks the claim, so no other process sends the same reminder.
   */
  async claimReminders(em: EntityManager, beforeSeconds: number, now: Date, hashes: string[]): Promise<DueReminderRow[]> {
    const due = await sql<{ id: number }>(
      em,
      `select id from invitation
       where status = 'sent' and reminded_at is null and reminder_attempts < ? and expires_at > ? and expires_at <= ?::timestamptz + make_interval(secs => ?)
       order by expires_at limit ? for update skip locked`,
      [MAX_REMINDER_ATTEMPTS, now, now, beforeSeconds, hashes.length],
    );
    if (!due.length) return [];
    const rows = await sql<DueReminderRow>(
      em,
      `with x as (select * from jsonb_to_recordset(?::jsonb) as x(id int, hash text)),
       upd as (update invitation i set reminded_at = ?, reminder_attempts = i.reminder_attempts + 1, reminder_token_hash = x.hash
               from x where i.id = x.id returning i.id, i.tenant_id, i.user_id, i.expires_at, i.reminder_token_hash as hash)
       select upd.id, upd.tenant_id, upd.user_id, upd.expires_at, upd.hash, t.name as tenant_name, t.display_name, u.login, u.name, u.email
       from upd join tenant t on t.id = upd.tenant_id join app_user u on u.tenant_id = upd.tenant_id and u.id = upd.user_id`,
      [JSON.stringify(due.map((d, i) => ({ id: d.id, hash: hashes[i] }))), now],
    );
    return rows.map((r) => ({ ...r, expires_at: new Date(r.expires_at) }));
  }

  /** The reminder did not go out: it is due again at the next poll (up to a few attempts), its link removed. */
  async releaseReminder(em: EntityManager, id: number): Promise<void> {
    await sql(em, 'update invitation set reminded_at = null, reminder_token_hash = null where id = ?', [id]);
  }
}

import { Injectable } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { sqlOne } from '../database/sql.js';

/** The dates of a user's current invitation link: extending it. */
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
}

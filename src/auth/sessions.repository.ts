import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '../database/sql.js';
import type { TenantId } from '../tenancy/tenant-id.js';

/**
 * The session table (express-session rows, ids prefixed with the tenant id). Deleting a row ends that
 * session on every app process at once: each request reads its session from PostgreSQL.
 */
@Injectable()
export class SessionsRepository {
  constructor(private readonly em: EntityManager) {}

  /** Ends every session of a user but `exceptSid` (the one in use, when the user themself asks); returns how many ended. */
  async endAllOf(tenantId: TenantId, userId: number, exceptSid = '', em: EntityManager = this.em): Promise<number> {
    const rows = await sql(em, `delete from session where sess #>> '{passport,user,id}' = ? and sid like ? and sid <> ? returning sid`, [
      String(userId),
      `${tenantId}.%`,
      exceptSid,
    ]);
    return rows.length;
  }
}

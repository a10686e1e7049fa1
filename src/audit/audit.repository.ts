import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { asDate, sql, sqlOne } from '../database/sql.js';
import type { TenantId } from '../tenancy/tenant-id.js';

export interface AuditRow {
  tenant_id: TenantId;
  event: string;
  actor_id: number | null;
  actor_login: string | null;
  target_type: string | null;
  target_id: number | null;
  ip: string | null;
  details: Record<string, unknown> | null;
}

export type RecentAuditRow = Omit<AuditRow, 'tenant_id' | 'actor_id'> & { at: Date };

/** Queries on audit_event. */
@Injectable()
export class AuditRepository {
  constructor(private readonly em: EntityManager) {}

  /** Several lines in one statement, in the caller's transaction when `em` is one. */
  async insertMany(em: EntityManager, rows: AuditRow[]): Promise<void> {
    await sql(
      em,
      `insert into audit_event (tenant_id, event, actor_id, actor_login, target_type, target_id, ip, details)
       select x.tenant_id, x.event, x.actor_id, x.actor_login, x.target_type, x.target_id, x.ip, x.details
       from jsonb_to_recordset(?::jsonb) as x(tenant_id int, event text, actor_id int, actor_login text, target_type text, target_id int, ip text, details jsonb)`,
      [JSON.stringify(rows)],
    );
  }

  async recent(tenantId: TenantId, limit: number): Promise<RecentAuditRow[]> {
    const rows = await sql<RecentAuditRow>(
      this.em,
      'select at, event, actor_login, target_type, target_id, ip, details from audit_event where tenant_id = ? order by id desc limit ?',
      [tenantId, limit],
    );
    return rows.map((r) => ({ ...r, at: asDate(r.at)! }));
  }

  async countSince(em: EntityManager, tenantId: TenantId, event: string, target: { type: string; id: number }, seconds: number): Promise<number> {
    const row = await sqlOne<{ n: number }>(
      em,
      `select count(*)::int as n from audit_event
       where tenant_id = ? and event = ? and target_type = ? and target_id = ? and at > now() - make_interval(secs => ?)`,
      [tenantId, event, target.type, target.id, seconds],
    );
    return row?.n ?? 0;
  }
}

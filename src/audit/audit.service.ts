import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '../database/sql.js';

export interface AuditEntry {
  tenantId: number;
  event: string;
  actor?: { id: number; login: string } | null;
  target?: { type: string; id: number } | null;
  ip?: string | null;
  details?: Record<string, unknown>;
}

/**
 * The per-instance audit log. Event names follow the OWASP logging vocabulary where one exists
 * (authn_login_success, authn_login_fail, session_logout). Callers never pass secrets.
 */
@Injectable()
export class AuditService {
  constructor(private readonly em: EntityManager) {}

  /** Written in the caller's transaction when `em` is given, so the log and the change commit together. */
  async record(entry: AuditEntry, em: EntityManager = this.em): Promise<void> {
    await this.recordMany([entry], em);
  }

  /** Several lines in one statement (bulk actions). */
  async recordMany(entries: AuditEntry[], em: EntityManager = this.em): Promise<void> {
    if (entries.length === 0) return;
    const rows = entries.map((e) => ({
      tenant_id: e.tenantId,
      event: e.event,
      actor_id: e.actor?.id ?? null,
      actor_login: e.actor?.login ?? null,
      target_type: e.target?.type ?? null,
      target_id: e.target?.id ?? null,
      ip: e.ip ?? null,
      details: e.details ?? null,
    }));
    await sql(
      em,
      `insert into audit_event (tenant_id, event, actor_id, actor_login, target_type, target_id, ip, details)
       select x.tenant_id, x.event, x.actor_id, x.actor_login, x.target_type, x.target_id, x.ip, x.details
       from jsonb_to_recordset(?::jsonb) as x(tenant_id int, event text, actor_id int, actor_login text, target_type text, target_id int, ip text, details jsonb)`,
      [JSON.stringify(rows)],
    );
  }

  async recent(
    tenantId: number,
    limit = 50,
  ): Promise<
    { at: Date; event: string; actor_login: string | null; target_type: string | null; target_id: number | null; ip: string | null; details: unknown }[]
  > {
    return sql(this.em, 'select at, event, actor_login, target_type, target_id, ip, details from audit_event where tenant_id = ? order by id desc limit ?', [
      tenantId,
      limit,
    ]);
  }
}

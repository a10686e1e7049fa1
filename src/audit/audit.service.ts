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
    await sql(
      em,
      'insert into audit_event (tenant_id, event, actor_id, actor_login, target_type, target_id, ip, details) values (?, ?, ?, ?, ?, ?, ?, ?)',
      [
        entry.tenantId,
        entry.event,
        entry.actor?.id ?? null,
        entry.actor?.login ?? null,
        entry.target?.type ?? null,
        entry.target?.id ?? null,
        entry.ip ?? null,
        entry.details ? JSON.stringify(entry.details) : null,
      ],
    );
  }

  async recent(tenantId: number, limit = 50): Promise<{ at: Date; event: string; actor_login: string | null; target_type: string | null; target_id: number | null; ip: string | null; details: unknown }[]> {
    return sql(this.em, 'select at, event, actor_login, target_type, target_id, ip, details from audit_event where tenant_id = ? order by id desc limit ?', [tenantId, limit]);
  }
}

import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { TenantId } from '../tenancy/tenant-id.js';
import { AuditRepository, type RecentAuditRow } from './audit.repository.js';

/** Who did it, as the audit log records them. */
export interface Actor {
  id: number;
  login: string;
}

export interface AuditEntry {
  tenantId: TenantId;
  event: string;
  actor?: Actor | null;
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
  constructor(
    private readonly em: EntityManager,
    private readonly repo: AuditRepository,
  ) {}

  /** Written in the caller's transaction when `em` is given, so the log and the change commit together. */
  async record(entry: AuditEntry, em: EntityManager = this.em): Promise<void> {
    await this.recordMany([entry], em);
  }

  /** Several lines in one statement (bulk actions). */
  async recordMany(entries: AuditEntry[], em: EntityManager = this.em): Promise<void> {
    if (entries.length === 0) return;
    await this.repo.insertMany(
      em,
      entries.map((e) => ({
        tenant_id: e.tenantId,
        event: e.event,
        actor_id: e.actor?.id ?? null,
        actor_login: e.actor?.login ?? null,
        target_type: e.target?.type ?? null,
        target_id: e.target?.id ?? null,
        ip: e.ip ?? null,
        details: e.details ?? null,
      })),
    );
  }

  recent(tenantId: TenantId, limit = 50): Promise<RecentAuditRow[]> {
    return this.repo.recent(tenantId, limit);
  }

  /** How often `event` was recorded about `target` in the last `seconds` (rate limits), in the caller's transaction. */
  countSince(em: EntityManager, tenantId: TenantId, event: string, target: { type: string; id: number }, seconds: number): Promise<number> {
    return this.repo.countSince(em, tenantId, event, target, seconds);
  }
}

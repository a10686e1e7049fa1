import type { TenantId } from '../tenancy/tenant-id.js';
import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { pgArray, sql } from '../database/sql.js';

/** Users looked up many at a time (Import users): one statement per batch, whatever its size. Inserts are UsersRepository's. */
@Injectable()
export class UsersBulkRepository {
  constructor(private readonly em: EntityManager) {}

  /** Of these logins, those the instance already has (lower case). */
  async existingLogins(tenantId: TenantId, logins: string[], em: EntityManager = this.em): Promise<Set<string>> {
    if (!logins.length) return new Set();
    const rows = await sql<{ login: string }>(em, 'select lower(login) as login from app_user where tenant_id = ? and lower(login) = any(?::text[])', [
      tenantId,
      pgArray(logins.map((l) => l.toLowerCase())),
    ]);
    return new Set(rows.map((r) => r.login));
  }

  /**
   * ANALYZE in the caller's transaction (it counts the rows inserted there): the cached plans of
   * foreign-key checks against app_user were made when the table was small (a seq scan), and would
   * make each check of a large import scan every user.
   */
  async refreshStatistics(em: EntityManager): Promise<void> {
    await sql(em, 'analyze app_user');
  }
}

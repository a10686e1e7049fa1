import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { pgArray, sql } from '../database/sql.js';

export interface NewUserRow {
  login: string;
  name: string;
  email: string | null;
  userType: string;
}

/** Users created and looked up many at a time (Import users): one statement per batch, whatever its size. */
@Injectable()
export class UsersBulkRepository {
  constructor(private readonly em: EntityManager) {}

  /** Of these logins, those the instance already has (lower case). */
  async existingLogins(tenantId: number, logins: string[], em: EntityManager = this.em): Promise<Set<string>> {
    if (!logins.length) return new Set();
    const rows = await sql<{ login: string }>(em, 'select lower(login) as login from app_user where tenant_id = ? and lower(login) = any(?::text[])', [
      tenantId,
      pgArray(logins.map((l) => l.toLowerCase())),
    ]);
    return new Set(rows.map((r) => r.login));
  }

  /** Inserts the users in the caller's transaction; returns their ids in the order given. */
  async insertMany(em: EntityManager, tenantId: number, users: NewUserRow[]): Promise<number[]> {
    const rows = await sql<{ id: number; n: number }>(
      em,
      `with x as (select * from jsonb_to_recordset(?::jsonb) as r(n int, login text, name text, email text, user_type text)),
       ins as (insert into app_user (tenant_id, login, name, email, user_type) select ?, login, name, email, user_type from x order by n returning id, login)
       select ins.id, x.n from ins join x on x.login = ins.login`,
      [JSON.stringify(users.map((u, i) => ({ n: i + 1, login: u.login, name: u.name, email: u.email, user_type: u.userType }))), tenantId],
    );
    const ids: number[] = new Array(users.length);
    for (const row of rows) ids[Number(row.n) - 1] = row.id;
    return ids;
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

import { Injectable } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '../database/sql.js';

/** Roles given to many users at once (Import users): one statement per batch. */
@Injectable()
export class RoleGrantsRepository {
  async grantMany(em: EntityManager, tenantId: number, grants: { userId: number; roleIds: number[] }[]): Promise<void> {
    const rows = grants.filter((g) => g.roleIds.length).map((g) => ({ user_id: g.userId, role_ids: g.roleIds }));
    if (!rows.length) return;
    await sql(
      em,
      `insert into user_role (tenant_id, user_id, role_id)
       select ?, x.user_id, unnest(x.role_ids) from jsonb_to_recordset(?::jsonb) as x(user_id int, role_ids int[]) on conflict do nothing`,
      [tenantId, JSON.stringify(rows)],
    );
  }
}

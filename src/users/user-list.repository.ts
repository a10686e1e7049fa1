import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { asDate, sqlOne } from '../database/sql.js';
import type { TenantId } from '../tenancy/tenant-id.js';

export const SEARCH_COUNT_CAP = 1000;

export const SORT_COLUMNS = { login: 'lower(u.login)', name: 'lower(u.name)', email: 'lower(u.email)', type: 'u.user_type' } as const;
export type UserSort = keyof typeof SORT_COLUMNS;

export type UserStatus = 'active' | 'deactivated';

export interface UserListQuery {
  search?: string;
  status?: UserStatus;
  sort: UserSort;
  dir: 'asc' | 'desc';
  page: number;
  pageSize: number;
}

export interface UserListRow {
  id: number;
  login: string;
  name: string;
  email: string | null;
  user_type: string;
  deactivated: boolean;
  invitation_requested_at: Date | null;
}

/** The users navigator's page query (a read of app_user; UsersRepository writes it). */
@Injectable()
export class UserListRepository {
  constructor(private readonly em: EntityManager) {}

  /** One page of the users navigator: plain rows and the count in one round trip. */
  async page(tenantId: TenantId, query: UserListQuery): Promise<{ rows: UserListRow[]; total: number; more: boolean }> {
    const params: unknown[] = [tenantId];
    let where = 'u.tenant_id = ?';
    if (query.search) {
      const like = '%' + query.search.toLowerCase().replace(/[\\%_]/g, (c) => '\\' + c) + '%';
      where += ' and (lower(u.login) like ? or lower(u.name) like ? or lower(u.email) like ?)';
      params.push(like, like, like);
    }
    if (query.status) where += ` and u.deactivated_at is ${query.status === 'deactivated' ? 'not null' : 'null'}`;
    const order = `${SORT_COLUMNS[query.sort]} ${query.dir === 'desc' ? 'desc' : 'asc'}, u.id ${query.dir === 'desc' ? 'desc' : 'asc'}`;
    // One round trip: the page as JSON and the count (a search counts at most SEARCH_COUNT_CAP + 1
    // matches: the exact number of a broad search is not worth a scan).
    const counted = query.search
      ? `select count(*) from (select 1 from app_user u where ${where} limit ${SEARCH_COUNT_CAP + 1}) m`
      : `select count(*) from app_user u where ${where}`;
    const result = await sqlOne<{ total: number; rows: UserListRow[] }>(
      this.em,
      `select (${counted})::int as total, coalesce((select json_agg(p) from (
         select u.id, u.login, u.name, u.email, u.user_type, u.deactivated_at is not null as deactivated, u.invitation_requested_at
         from app_user u
         where ${where} order by ${order} limit ? offset ?) p), '[]') as rows`,
      [...params, ...params, query.pageSize, (query.page - 1) * query.pageSize],
    );
    const { total, rows } = result!;
    const more = !!query.search && total > SEARCH_COUNT_CAP;
    for (const row of rows) row.invitation_requested_at = asDate(row.invitation_requested_at);
    return { rows, total: more ? SEARCH_COUNT_CAP : total, more };
  }
}

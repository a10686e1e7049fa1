import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { hashPassword } from '../../src/users/password-hasher.js';
import { InstancesService } from '../../src/instances/instances.service.js';
import type { TenantId } from '../../src/tenancy/tenant-id.js';
import type { TestApp } from './test-app.js';

let counter = 0;
export function unique(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}${randomBytes(2).toString('hex')}`;
}

export interface TestTenant {
  id: TenantId;
  name: string;
  host: string;
  admin: { login: string; password: string };
  roles: Record<string, number>;
  everybodyId: number;
}

/** A new instance with its starter roles and an admin whose password is known. */
export async function tenantFactory(t: TestApp, overrides: { name?: string; displayName?: string } = {}): Promise<TestTenant> {
  const name = overrides.name ?? unique('t');
  const password = 'admin pass ' + randomBytes(4).toString('hex');
  const { id } = await t.app
    .get(InstancesService)
    .create({ name, displayName: overrides.displayName, adminLogin: 'admin', adminEmail: `admin@${name}.example.com`, adminPassword: password });
  const roles = await t.db.query<{ id: number; name: string }>('select id, name from role where tenant_id = $1', [id]);
  const group = await t.db.query<{ id: number }>(`select id from user_group where tenant_id = $1 and name = 'Everybody'`, [id]);
  return {
    id,
    name,
    host: t.host(name),
    admin: { login: 'admin', password },
    roles: Object.fromEntries(roles.rows.map((r) => [r.name, r.id])),
    everybodyId: group.rows[0].id,
  };
}

export interface TestUser {
  id: number;
  login: string;
  name: string;
  email: string | null;
  password: string;
}

/** A user of an instance, with roles by name; Internal with a known password unless told otherwise. */
export async function userFactory(
  db: pg.Pool,
  tenant: TestTenant,
  options: { login?: string; name?: string; email?: string | null; userType?: string; roles?: string[]; password?: string | null } = {},
): Promise<TestUser> {
  const login = options.login ?? unique('u');
  const name = options.name ?? `User ${login}`;
  const email = options.email === undefined ? `${login}@example.com` : options.email;
  const password = options.password === undefined ? 'user pass ' + randomBytes(4).toString('hex') : options.password;
  const hash = password ? await hashPassword(password) : null;
  const { rows } = await db.query<{ id: number }>(
    // Counted as UsersRepository.create counts, so the list's count stays exact in tests too.
    `with added as (insert into app_user (tenant_id, login, name, email, user_type, password_hash) values ($1, $2, $3, $4, $5, $6) returning id),
     counted as (insert into user_count (tenant_id, status, users) select $1, 'active', count(*) from added
                 on conflict (tenant_id, status) do update set users = user_count.users + excluded.users)
     select id from added`,
    [tenant.id, login, name, email, options.userType ?? 'Internal', hash],
  );
  const id = rows[0].id;
  for (const role of options.roles ?? []) {
    await db.query('insert into user_role (tenant_id, user_id, role_id) values ($1, $2, $3)', [tenant.id, id, tenant.roles[role]]);
  }
  return { id, login, name, email, password: password ?? '' };
}

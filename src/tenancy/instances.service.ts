import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { hashPassword } from '../auth/password-hasher.js';
import { sql, sqlOne } from '../database/sql.js';
import { EVERYBODY } from '../groups/group.entity.js';
import { UsersRepository } from '../users/users.repository.js';
import { newInstanceProblem, type NewInstance } from './new-instance.js';

/** Roles every instance starts with; only Administrator may use the Security module. */
export const STARTER_ROLES: { name: string; permissions: string[] }[] = [
  { name: 'Administrator', permissions: ['security'] },
  { name: 'Salesperson', permissions: [] },
  { name: 'Manager', permissions: [] },
  { name: 'Worker', permissions: [] },
];

export class InstanceError extends Error {}

export type { NewInstance };

/** Creates instances with their starter data: the operator's side of tenancy (CLI and demo seed). */
@Injectable()
export class InstancesService {
  constructor(
    private readonly em: EntityManager,
    private readonly users: UsersRepository,
  ) {}

  async create(input: NewInstance): Promise<{ id: number; name: string; password: string; generated: boolean }> {
    const name = input.name.trim();
    const generated = !input.adminPassword;
    const password = input.adminPassword ?? randomBytes(12).toString('base64url');
    const problem = newInstanceProblem({ ...input, adminPassword: password });
    if (problem) throw new InstanceError(problem);
    const passwordHash = await hashPassword(password);

    const id = await this.em.fork().transactional(async (em) => {
      const tenant = await sqlOne<{ id: number }>(em, 'insert into tenant (name, display_name) values (?, ?) on conflict (name) do nothing returning id', [
        name,
        input.displayName?.trim() || defaultDisplayName(name),
      ]);
      if (!tenant) throw new InstanceError(`Instance name "${name}" is already taken.`);
      const roles = await sql<{ id: number; name: string }>(
        em,
        `insert into role (tenant_id, name, permissions) select ?, r.name, r.permissions
         from jsonb_to_recordset(?::jsonb) as r(name text, permissions text[]) returning id, name`,
        [tenant.id, JSON.stringify(STARTER_ROLES)],
      );
      const group = await sqlOne<{ id: number }>(em, 'insert into user_group (tenant_id, name) values (?, ?) returning id', [tenant.id, EVERYBODY]);
      const [adminId] = await this.users.create(
        tenant.id,
        [{ login: input.adminLogin, name: 'Administrator', email: input.adminEmail, userType: 'Internal', passwordHash }],
        em,
      );
      const adminRole = roles.find((r) => r.name === 'Administrator')!;
      await sql(em, 'insert into user_role (tenant_id, user_id, role_id) values (?, ?, ?)', [tenant.id, adminId, adminRole.id]);
      await sql(em, 'insert into group_member (tenant_id, user_id, group_id) values (?, ?, ?)', [tenant.id, adminId, group!.id]);
      await sql(em, `insert into audit_event (tenant_id, event, target_type, target_id, details) values (?, 'instance_created', 'user', ?, ?)`, [
        tenant.id,
        adminId,
        JSON.stringify({ adminLogin: input.adminLogin }),
      ]);
      return tenant.id;
    });
    return { id, name, password, generated };
  }

  async list(): Promise<{ name: string; displayName: string; users: number }[]> {
    const rows = await sql<{ name: string; display_name: string; users: string }>(
      this.em.fork(),
      'select t.name, t.display_name, (select coalesce(sum(c.users), 0) from user_count c where c.tenant_id = t.id) as users from tenant t order by t.name',
    );
    return rows.map((r) => ({ name: r.name, displayName: r.display_name, users: Number(r.users) }));
  }

  async isEmpty(): Promise<boolean> {
    return !(await sqlOne(this.em.fork(), 'select 1 from tenant limit 1'));
  }
}

function defaultDisplayName(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

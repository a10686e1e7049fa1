import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AuditService } from '../audit/audit.service.js';
import { GroupsService } from '../groups/groups.service.js';
import { RolesService } from '../roles/roles.service.js';
import type { TenantId } from '../tenancy/tenant-id.js';
import { TenantsRepository } from '../tenancy/tenants.repository.js';
import { hashPassword } from '../users/password-hasher.js';
import { UsersService } from '../users/users.service.js';
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

/** Creates instances with their starter data through the features' services (command line and demo seed). */
@Injectable()
export class InstancesService {
  constructor(
    private readonly em: EntityManager,
    private readonly tenants: TenantsRepository,
    private readonly users: UsersService,
    private readonly roles: RolesService,
    private readonly groups: GroupsService,
    private readonly audit: AuditService,
  ) {}

  async create(input: NewInstance): Promise<{ id: TenantId; name: string; password: string; generated: boolean }> {
    const name = input.name.trim();
    const generated = !input.adminPassword;
    const password = input.adminPassword ?? randomBytes(12).toString('base64url');
    const problem = newInstanceProblem({ ...input, adminPassword: password });
    if (problem) throw new InstanceError(problem);
    const passwordHash = await hashPassword(password);

    const id = await this.em.fork().transactional(async (em) => {
      const tenantId = await this.tenants.insert(em, name, input.displayName?.trim() || defaultDisplayName(name));
      if (!tenantId) throw new InstanceError(`Instance name "${name}" is already taken.`);
      const roles = await this.roles.createMany(em, tenantId, STARTER_ROLES);
      await this.groups.createEverybody(em, tenantId);
      const adminId = await this.users.createInternal(em, tenantId, { login: input.adminLogin, name: 'Administrator', email: input.adminEmail, passwordHash });
      await this.roles.grant(em, tenantId, adminId, [roles.get('Administrator')!]);
      await this.groups.joinEverybody(em, tenantId, adminId);
      await this.audit.record({ tenantId, event: 'instance_created', target: { type: 'user', id: adminId }, details: { adminLogin: input.adminLogin } }, em);
      return tenantId;
    });
    return { id, name, password, generated };
  }

  async list(): Promise<{ name: string; displayName: string; users: number }[]> {
    const [tenants, counts] = await Promise.all([this.tenants.list(), this.users.countPerTenant()]);
    return tenants.map((t) => ({ name: t.name, displayName: t.displayName, users: counts.get(t.id) ?? 0 }));
  }

  isEmpty(): Promise<boolean> {
    return this.tenants.isEmpty();
  }
}

function defaultDisplayName(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

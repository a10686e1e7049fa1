import { Injectable } from '@nestjs/common';
import { orNotFound } from '../common/decorators.js';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditService, type Actor } from '../audit/audit.service.js';
import type { TenantId } from '../tenancy/tenant-id.js';
import { RolesRepository, type RoleRow } from './roles.repository.js';

/** Creating and renaming roles; names are unique per instance regardless of case. */
@Injectable()
export class RolesService {
  constructor(
    private readonly roles: RolesRepository,
    private readonly audit: AuditService,
  ) {}

  async get(tenantId: TenantId, id: number) {
    return orNotFound(await this.roles.find(tenantId, id));
  }

  async create(tenantId: TenantId, actor: Actor, name: string, ip: string): Promise<{ id?: number; error?: string }> {
    // The unique index on (tenant, lower(name)) is the one check, also between two admins at once.
    const id = await this.roles.create(tenantId, name).catch(uniqueViolation);
    if (id === undefined) return { error: NAME_TAKEN };
    await this.record(tenantId, actor, ip, 'role_created', id, { name });
    return { id };
  }

  /** Renames the role the caller loaded (`before`). */
  async rename(tenantId: TenantId, actor: Actor, before: RoleRow, name: string, ip: string): Promise<{ error?: string }> {
    const id = before.id;
    if ((await this.roles.rename(tenantId, id, name).catch(uniqueViolation)) === undefined) return { error: NAME_TAKEN };
    await this.record(tenantId, actor, ip, 'role_renamed', id, { before: before.name, after: name });
    return {};
  }

  private record(tenantId: TenantId, actor: Actor, ip: string, event: string, roleId: number, details: Record<string, unknown>): Promise<void> {
    return this.audit.record({ tenantId, event, actor: { id: actor.id, login: actor.login }, target: { type: 'role', id: roleId }, ip, details });
  }

  /** A new instance's roles, in the caller's transaction; returns name -> id. */
  createMany(em: EntityManager, tenantId: TenantId, roles: { name: string; permissions: string[] }[]): Promise<Map<string, number>> {
    return this.roles.insertMany(em, tenantId, roles);
  }

  /** Makes `roleIds` exactly the user's roles, in the caller's transaction. */
  grant(em: EntityManager, tenantId: TenantId, userId: number, roleIds: number[]): Promise<void> {
    return this.roles.setRolesOf(em, tenantId, userId, roleIds);
  }
}

const NAME_TAKEN = 'A role with this name already exists.';

function uniqueViolation(err: { code?: string }): undefined {
  if (err.code === '23505') return undefined;
  throw err;
}

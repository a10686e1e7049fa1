import { Injectable, NotFoundException } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import type { SessionUser } from '../common/request-context.js';
import { RolesRepository, type RoleRow } from './roles.repository.js';

/** Creating and renaming roles; names are unique per instance regardless of case. */
@Injectable()
export class RolesService {
  constructor(
    private readonly roles: RolesRepository,
    private readonly audit: AuditService,
  ) {}

  async get(tenantId: number, id: number) {
    const role = await this.roles.find(tenantId, id);
    if (!role) throw new NotFoundException();
    return role;
  }

  async create(tenantId: number, actor: SessionUser, name: string, ip: string): Promise<{ id?: number; error?: string }> {
    // The unique index on (tenant, lower(name)) is the one check, also between two admins at once.
    const id = await this.roles.create(tenantId, name).catch(uniqueViolation);
    if (id === undefined) return { error: NAME_TAKEN };
    await this.audit.record({
      tenantId,
      event: 'role_created',
      actor: { id: actor.id, login: actor.login },
      target: { type: 'role', id },
      ip,
      details: { name },
    });
    return { id };
  }

  /** Renames the role the caller loaded (`before`). */
  async rename(tenantId: number, actor: SessionUser, before: RoleRow, name: string, ip: string): Promise<{ error?: string }> {
    const id = before.id;
    if ((await this.roles.rename(tenantId, id, name).catch(uniqueViolation)) === undefined) return { error: NAME_TAKEN };
    await this.audit.record({
      tenantId,
      event: 'role_renamed',
      actor: { id: actor.id, login: actor.login },
      target: { type: 'role', id },
      ip,
      details: { before: before.name, after: name },
    });
    return {};
  }
}

const NAME_TAKEN = 'A role with this name already exists.';

function uniqueViolation(err: { code?: string }): undefined {
  if (err.code === '23505') return undefined;
  throw err;
}

import { Injectable } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { TenantId } from '../tenancy/tenant-id.js';
import { EVERYBODY } from './group.entity.js';
import { GroupsRepository } from './groups.repository.js';

/** Groups and membership for the features: every instance has Everybody, and every account joins it. */
@Injectable()
export class GroupsService {
  constructor(private readonly groups: GroupsRepository) {}

  /** A new instance's group Everybody, in the caller's transaction. */
  createEverybody(em: EntityManager, tenantId: TenantId): Promise<number> {
    return this.groups.insert(em, tenantId, EVERYBODY);
  }

  joinEverybody(em: EntityManager, tenantId: TenantId, userId: number): Promise<void> {
    return this.groups.join(em, tenantId, userId, EVERYBODY);
  }

  list(tenantId: TenantId): Promise<{ id: number; name: string; members: number }[]> {
    return this.groups.list(tenantId);
  }

  find(tenantId: TenantId, id: number): Promise<{ id: number; name: string } | undefined> {
    return this.groups.find(tenantId, id);
  }

  /** Ids of the group's members (Security shows them through Users). */
  memberIds(tenantId: TenantId, groupId: number): Promise<number[]> {
    return this.groups.memberIds(tenantId, groupId);
  }

  groupsOf(tenantId: TenantId, userId: number): Promise<{ id: number; name: string }[]> {
    return this.groups.groupsOf(tenantId, userId);
  }
}

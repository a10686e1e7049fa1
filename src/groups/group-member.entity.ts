import { Entity, Index, ManyToOne, PrimaryKey, Property, type Rel } from '@mikro-orm/core';
import { Tenant } from '../tenancy/tenant.entity.js';

/** A user in a group. Like UserRole, its keys reach their tables by (tenant_id, id) in the migration. */
@Entity({ tableName: 'group_member' })
@Index({ name: 'group_member_group_idx', properties: ['tenant', 'groupId'] })
export class GroupMember {
  @ManyToOne({ entity: () => Tenant, primary: true, deleteRule: 'cascade', updateRule: 'no action', foreignKeyName: 'group_member_tenant_id_fkey' })
  tenant!: Rel<Tenant>;

  @PrimaryKey({ type: 'integer', autoincrement: false })
  userId!: number;

  @PrimaryKey({ type: 'integer', autoincrement: false })
  groupId!: number;

  @Property({ type: 'Date', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}

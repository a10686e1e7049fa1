import { Entity, Index, ManyToOne, PrimaryKey, Property, type Rel } from '@mikro-orm/core';
import { Tenant } from '../tenancy/tenant.entity.js';

/**
 * A role held by a user. `userId` and `roleId` are keys, not relations: the migration joins each to
 * its table by (tenant_id, id), so a role of one instance can never reach another's user, and
 * MikroORM relations can only point at a primary key (see the schema-diff test's exceptions).
 */
@Entity({ tableName: 'user_role' })
@Index({ name: 'user_role_role_idx', properties: ['tenant', 'roleId'] })
export class UserRole {
  @ManyToOne({ entity: () => Tenant, primary: true, deleteRule: 'cascade', updateRule: 'no action', foreignKeyName: 'user_role_tenant_id_fkey' })
  tenant!: Rel<Tenant>;

  @PrimaryKey({ type: 'integer', autoincrement: false })
  userId!: number;

  @PrimaryKey({ type: 'integer', autoincrement: false })
  roleId!: number;

  @Property({ type: 'Date', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}

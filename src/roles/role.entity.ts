import { Entity, ManyToOne, PrimaryKey, Property, Unique, type Rel } from '@mikro-orm/core';
import { Tenant } from '../tenancy/tenant.entity.js';

/** What a role may use. Administrator grants the Security module. */
export const PERMISSIONS = ['security'] as const;
export type Permission = (typeof PERMISSIONS)[number];

@Entity({ tableName: 'role' })
@Unique({ name: 'role_tenant_name_uq', expression: 'create unique index "role_tenant_name_uq" on "role" ("tenant_id", lower("name"))' })
export class Role {
  @ManyToOne({ entity: () => Tenant, primary: true, deleteRule: 'cascade', updateRule: 'no action', foreignKeyName: 'role_tenant_id_fkey' })
  tenant!: Rel<Tenant>;

  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @Property({ type: 'string', length: 100 })
  name!: string;

  @Property({ type: 'string[]', default: '{}' })
  permissions: string[] = [];

  @Property({ type: 'Date', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}

import { Entity, ManyToOne, PrimaryKey, Property, Unique, type Rel } from '@mikro-orm/core';
import { Tenant } from '../tenancy/tenant.entity.js';

export const EVERYBODY = 'Everybody';

@Entity({ tableName: 'user_group' })
@Unique({ name: 'user_group_tenant_name_uq', expression: 'create unique index "user_group_tenant_name_uq" on "user_group" ("tenant_id", lower("name"))' })
export class Group {
  @ManyToOne({ entity: () => Tenant, primary: true, deleteRule: 'cascade', updateRule: 'no action', foreignKeyName: 'user_group_tenant_id_fkey' })
  tenant!: Rel<Tenant>;

  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @Property({ type: 'string', length: 100 })
  name!: string;
}

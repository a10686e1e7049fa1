import { Entity, ManyToOne, PrimaryKey, Property, type Rel } from '@mikro-orm/core';
import { Tenant } from '../tenancy/tenant.entity.js';

/** Users of an instance per status, changed in the transaction that changes them (UsersRepository): the list's exact count. */
@Entity({ tableName: 'user_count' })
export class UserCount {
  @ManyToOne({ entity: () => Tenant, primary: true, deleteRule: 'cascade', updateRule: 'no action', foreignKeyName: 'user_count_tenant_id_fkey' })
  tenant!: Rel<Tenant>;

  @PrimaryKey({ type: 'string', length: 20 })
  status!: string;

  @Property({ type: 'bigint', default: 0 })
  users!: string;
}

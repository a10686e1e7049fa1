import { Entity, ManyToOne, Property, type Rel } from '@mikro-orm/core';
import { Tenant } from '../tenancy/tenant.entity.js';
import { User } from '../users/user.entity.js';
import { Role } from './role.entity.js';

/** A role held by a user; carries the tenant so a role of one instance can never reach another's user. */
@Entity({ tableName: 'user_role' })
export class UserRole {
  @ManyToOne({ entity: () => User, primary: true, deleteRule: 'cascade' })
  user!: Rel<User>;

  @ManyToOne({ entity: () => Role, primary: true, deleteRule: 'cascade' })
  role!: Rel<Role>;

  @ManyToOne({ entity: () => Tenant, deleteRule: 'cascade' })
  tenant!: Rel<Tenant>;

  @Property({ type: 'Date', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}

import { Entity, ManyToOne, Property, type Rel } from '@mikro-orm/core';
import { Tenant } from '../tenancy/tenant.entity.js';
import { User } from '../users/user.entity.js';
import { Group } from './group.entity.js';

@Entity({ tableName: 'group_member' })
export class GroupMember {
  @ManyToOne({ entity: () => User, primary: true, deleteRule: 'cascade' })
  user!: Rel<User>;

  @ManyToOne({ entity: () => Group, primary: true, deleteRule: 'cascade' })
  group!: Rel<Group>;

  @ManyToOne({ entity: () => Tenant, deleteRule: 'cascade' })
  tenant!: Rel<Tenant>;

  @Property({ type: 'Date', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}

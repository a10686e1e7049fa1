import { Entity, Index, ManyToOne, PrimaryKey, Property, type Rel } from '@mikro-orm/core';
import { Tenant } from '../tenancy/tenant.entity.js';

/** One line of an instance's audit log. Never holds a password, token or session id. */
@Entity({ tableName: 'audit_event' })
@Index({ name: 'audit_event_tenant_at_idx', properties: ['tenant', 'at'] })
export class AuditEvent {
  @ManyToOne({ entity: () => Tenant, primary: true, deleteRule: 'cascade', updateRule: 'no action', foreignKeyName: 'audit_event_tenant_id_fkey' })
  tenant!: Rel<Tenant>;

  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'Date', defaultRaw: 'now()' })
  at: Date = new Date();

  @Property({ type: 'string', length: 60 })
  event!: string;

  @Property({ type: 'integer', nullable: true })
  actorId?: number | null;

  @Property({ type: 'string', length: 64, nullable: true })
  actorLogin?: string | null;

  @Property({ type: 'string', length: 30, nullable: true })
  targetType?: string | null;

  @Property({ type: 'integer', nullable: true })
  targetId?: number | null;

  @Property({ type: 'string', length: 64, nullable: true })
  ip?: string | null;

  @Property({ type: 'json', nullable: true })
  details?: Record<string, unknown> | null;
}

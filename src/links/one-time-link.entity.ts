import { Entity, Index, ManyToOne, PrimaryKey, Property, Unique, type Rel } from '@mikro-orm/core';
import { Tenant } from '../tenancy/tenant.entity.js';
import type { StoredLinkState } from './link-state.js';

/** A link handed out once: only the SHA-256 of its token is kept. */
@Entity({ tableName: 'one_time_link' })
@Unique({ name: 'one_time_link_token_hash_unique', properties: ['tenant', 'tokenHash'] })
@Index({ name: 'one_time_link_subject_idx', properties: ['tenant', 'purpose', 'subjectId'] })
export class OneTimeLink {
  @ManyToOne({ entity: () => Tenant, primary: true, deleteRule: 'cascade', updateRule: 'no action', foreignKeyName: 'one_time_link_tenant_id_fkey' })
  tenant!: Rel<Tenant>;

  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  /** What the link is for, e.g. 'invitation'. */
  @Property({ type: 'string', length: 40 })
  purpose!: string;

  /** Whom it is for (a user id); links know no feature's table. */
  @Property({ type: 'integer' })
  subjectId!: number;

  @Property({ type: 'string', length: 64 })
  tokenHash!: string;

  @Property({ type: 'string', length: 10, default: 'valid' })
  state: StoredLinkState = 'valid';

  @Property({ type: 'Date' })
  expiresAt!: Date;

  @Property({ type: 'Date', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  /** When it was used, revoked or replaced. */
  @Property({ type: 'Date', nullable: true })
  endedAt?: Date | null;
}

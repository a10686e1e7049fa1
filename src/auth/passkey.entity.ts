import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/core';

/** A passkey (WebAuthn credential) of a user, registered with the instance host as relying party. */
@Entity({ tableName: 'passkey' })
@Unique({ name: 'passkey_tenant_credential_uq', properties: ['tenantId', 'credentialId'] })
@Index({ name: 'passkey_tenant_user_idx', properties: ['tenantId', 'userId'] })
export class Passkey {
  @PrimaryKey({ type: 'integer' })
  tenantId!: number;

  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @Property({ type: 'integer' })
  userId!: number;

  /** base64url, as WebAuthn names it. */
  @Property({ type: 'string', length: 1400 })
  credentialId!: string;

  @Property({ type: 'blob' })
  publicKey!: Buffer;

  @Property({ type: 'bigint', default: 0 })
  counter: string = '0';

  @Property({ type: 'string[]', default: '{}' })
  transports: string[] = [];

  @Property({ type: 'string', length: 100 })
  name!: string;

  @Property({ type: 'Date', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'Date', nullable: true })
  lastUsedAt?: Date | null;
}

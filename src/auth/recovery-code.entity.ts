import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** One of a user's single-use recovery codes, as an HMAC (the code itself is shown once and never stored). */
@Entity({ tableName: 'recovery_code' })
export class RecoveryCode {
  @PrimaryKey({ type: 'integer' })
  tenantId!: number;

  @PrimaryKey({ type: 'integer' })
  userId!: number;

  @PrimaryKey({ type: 'string', length: 64 })
  codeHash!: string;

  @Property({ type: 'Date', nullable: true })
  usedAt?: Date | null;
}

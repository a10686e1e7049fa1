import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * A user's authenticator app (TOTP, RFC 6238). The secret is sealed with AES-256-GCM under a key
 * derived from SESSION_SECRET (SecretBox), never stored in plain text. `enabledAt` is null while the
 * user is still setting it up; `lastUsedStep` is the 30-second step of the last accepted code, so a
 * code is never accepted twice.
 */
@Entity({ tableName: 'user_totp' })
export class UserTotp {
  @PrimaryKey({ type: 'integer' })
  tenantId!: number;

  @PrimaryKey({ type: 'integer' })
  userId!: number;

  @Property({ type: 'text', hidden: true })
  secretEnc!: string;

  @Property({ type: 'Date', nullable: true })
  enabledAt?: Date | null;

  @Property({ type: 'bigint', nullable: true })
  lastUsedStep?: string | null;

  @Property({ type: 'Date', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}

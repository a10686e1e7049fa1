import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * Consecutive login failures per key: `acct:<tenantId>:<login>` for an account, `addr:<ip>` for a
 * client address. In PostgreSQL so every app process sees the same counters.
 */
@Entity({ tableName: 'login_throttle' })
export class LoginThrottle {
  @PrimaryKey({ type: 'string', length: 200 })
  key!: string;

  @Property({ type: 'integer', default: 0 })
  failures: number = 0;

  @Property({ type: 'Date' })
  lastFailureAt!: Date;

  @Property({ type: 'Date', nullable: true })
  lockedUntil?: Date | null;
}

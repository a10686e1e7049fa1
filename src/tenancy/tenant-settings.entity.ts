import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** An instance's settings (Security > Settings); no row means the defaults. */
@Entity({ tableName: 'tenant_settings' })
export class TenantSettings {
  @PrimaryKey({ type: 'integer' })
  tenantId!: number;

  /** Users who may use the Security module must have a second factor. */
  @Property({ type: 'boolean', default: false })
  requireTwoStepForAdmins: boolean = false;

  @Property({ type: 'Date', defaultRaw: 'now()' })
  updatedAt: Date = new Date();
}

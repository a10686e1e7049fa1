import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import type { TenantId } from './tenant-id.js';

/** An ERP instance, served on its own host `<name>.<base host>`. */
@Entity({ tableName: 'tenant' })
export class Tenant {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: TenantId;

  /** DNS label: the instance's sub-domain. */
  @Property({ type: 'string', length: 63, unique: true })
  name!: string;

  @Property({ type: 'string', length: 200 })
  displayName!: string;

  /** From the instance's settings (tenant_settings), read with the tenant: the language of pages for whom nothing else decides. */
  @Property({ type: 'text', persist: false })
  defaultLanguage: string = 'en';

  /** From the instance's settings: the IANA time zone dates are shown in. */
  @Property({ type: 'text', persist: false })
  timeZone: string = 'UTC';

  @Property({ type: 'Date', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}

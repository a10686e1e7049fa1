import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import type { Brand } from './brand.js';
import type { TenantId } from './tenant-id.js';

/** An ERP instance, served on its own host `<name>.<base host>`. */
@Entity({ tableName: 'tenant' })
export class Tenant {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: TenantId;

  /** DNS label: the instance's sub-domain. */
  @Property({ type: 'string', length: 63, unique: true })
  name!: string;

  /** The name people see: the display name of Security > Settings when set, else the instance's own (tenant.display_name). */
  @Property({ type: 'string', length: 200 })
  displayName!: string;

  @Property({ type: 'Date', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  /** Logo, accent colour (not a column: read with the tenant from tenant_settings and cached with it). */
  declare brand?: Brand;

  /** Not columns either: from tenant_settings, read and cached with the tenant. The language of pages for whom nothing else decides. */
  defaultLanguage: string = 'en';

  /** The IANA time zone dates are shown in. */
  timeZone: string = 'UTC';
}

import { Entity, Enum, ManyToOne, Property, type Rel } from '@mikro-orm/core';
import { Tenant } from './tenant.entity.js';

/** An instance's settings (Security > Settings); no row means the defaults. */
@Entity({ tableName: 'tenant_settings' })
export class TenantSettings {
  @ManyToOne({ entity: () => Tenant, primary: true, deleteRule: 'cascade' })
  tenant!: Rel<Tenant>;

  /** Users who may use the Security module must have a second factor. */
  @Property({ type: 'boolean', default: false })
  requireTwoStepForAdmins: boolean = false;

  /** Pages and mails of users without a language of their own, and anonymous pages the browser does not choose for. */
  @Enum({ items: ['en', 'de', 'bg'], default: 'en' })
  defaultLanguage: string = 'en';

  /** IANA time zone in which dates are shown. */
  @Property({ columnType: 'text', default: 'UTC' })
  timeZone: string = 'UTC';

  @Property({ type: 'Date', defaultRaw: 'now()' })
  updatedAt: Date = new Date();
}

import { Check, Entity, Enum, ManyToOne, Property, type Rel } from '@mikro-orm/core';
import { DEFAULT_LANGUAGE, LANGUAGES } from '../common/i18n/i18n.js';
import { Tenant } from './tenant.entity.js';

/** An instance's settings (Security > Settings); no row means the defaults. */
@Entity({ tableName: 'tenant_settings' })
@Check({ name: 'tenant_settings_accent_colour_check', expression: `accent_colour ~ '^#[0-9a-f]{6}$'` })
@Check({ name: 'tenant_settings_logo_type_check', expression: `logo_type ~ '^image/(png|jpeg)$'` })
@Check({ name: 'tenant_settings_logo_check', expression: `(logo is null) = (logo_type is null) and (logo is null) = (logo_hash is null)` })
export class TenantSettings {
  @ManyToOne({ entity: () => Tenant, primary: true, deleteRule: 'cascade' })
  tenant!: Rel<Tenant>;

  /** Users who may use the Security module must have a second factor. */
  @Property({ type: 'boolean', default: false })
  requireTwoStepForAdmins: boolean = false;

  @Property({ type: 'Date', defaultRaw: 'now()' })
  updatedAt: Date = new Date();

  /** Pages and mails of users without a language of their own, and anonymous pages the browser does not choose for. */
  @Enum({ items: [...LANGUAGES], default: DEFAULT_LANGUAGE })
  defaultLanguage: string = 'en';

  /** IANA time zone in which dates are shown. */
  @Property({ columnType: 'text', default: 'UTC' })
  timeZone: string = 'UTC';

  /** Shown instead of the instance's own name; null means the instance's name. */
  @Property({ type: 'string', length: 80, nullable: true })
  displayName?: string | null;

  /** `#rrggbb` (lowercase); null means the default colour. */
  @Property({ type: 'string', length: 7, nullable: true })
  accentColour?: string | null;

  /** PNG or JPEG bytes, at most 256 KB, checked by their signature. */
  @Property({ type: 'blob', columnType: 'bytea', nullable: true, lazy: true })
  logo?: Buffer | null;

  @Property({ type: 'string', length: 20, nullable: true })
  logoType?: string | null;

  /** SHA-256 (hex) of the logo: its URL, so a new logo gets a new URL. */
  @Property({ type: 'string', length: 64, nullable: true })
  logoHash?: string | null;
}

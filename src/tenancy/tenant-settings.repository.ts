import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { sql, sqlOne } from '../database/sql.js';
import { HASH_IN_URL, type LogoType } from './brand.js';
import type { TenantId } from './tenant-id.js';

export interface InstanceSettings {
  requireTwoStepForAdmins: boolean;
  /** As saved: null means the instance's own name. */
  displayName: string | null;
  accentColour: string | null;
  logoHash: string | null;
  logoType: LogoType | null;
  /** `en`, `de` or `bg`. */
  defaultLanguage: string;
  /** An IANA time zone. */
  timeZone: string;
}

/** A logo: its bytes, type and hash (a new one to save, or one read back). */
export interface LogoUpload {
  bytes: Buffer;
  type: LogoType;
  /** SHA-256 of the bytes, hex. */
  hash: string;
}

/** What a save changes: a field left undefined keeps its saved value. */
export interface SettingsChange {
  requireTwoStepForAdmins: boolean;
  displayName?: string | null;
  accentColour?: string | null;
  logo?: LogoUpload | null;
  defaultLanguage?: string;
  timeZone?: string;
}

type SettingsRow = {
  require_two_step_for_admins: boolean | null;
  instance_name: string;
  display_name: string | null;
  accent_colour: string | null;
  logo_hash: string | null;
  logo_type: LogoType | null;
  default_language: string | null;
  time_zone: string | null;
};

/** An instance's settings (table tenant_settings); an instance without a row has the defaults. */
@Injectable()
export class TenantSettingsRepository {
  constructor(private readonly em: EntityManager) {}

  /** The settings (never the logo's bytes) and the instance's own name (what an empty display name shows). */
  async get(tenantId: TenantId): Promise<InstanceSettings & { instanceName: string }> {
    const row = await sqlOne<SettingsRow>(
      this.em,
      `select s.require_two_step_for_admins, t.display_name as instance_name, s.display_name, s.accent_colour, s.logo_hash, s.logo_type,
         s.default_language, s.time_zone
       from tenant t left join tenant_settings s on s.tenant_id = t.id where t.id = ?`,
      [tenantId],
    );
    return {
      requireTwoStepForAdmins: row?.require_two_step_for_admins ?? false,
      instanceName: row?.instance_name ?? '',
      displayName: row?.display_name ?? null,
      accentColour: row?.accent_colour ?? null,
      logoHash: row?.logo_hash ?? null,
      logoType: row?.logo_type ?? null,
      defaultLanguage: row?.default_language ?? 'en',
      timeZone: row?.time_zone ?? 'UTC',
    };
  }

  async save(tenantId: TenantId, change: SettingsChange): Promise<void> {
    const columns: [string, unknown][] = [['require_two_step_for_admins', change.requireTwoStepForAdmins]];
    if (change.displayName !== undefined) columns.push(['display_name', change.displayName]);
    if (change.accentColour !== undefined) columns.push(['accent_colour', change.accentColour]);
    if (change.defaultLanguage !== undefined) columns.push(['default_language', change.defaultLanguage]);
    if (change.timeZone !== undefined) columns.push(['time_zone', change.timeZone]);
    if (change.logo !== undefined)
      columns.push(['logo', change.logo?.bytes ?? null], ['logo_type', change.logo?.type ?? null], ['logo_hash', change.logo?.hash ?? null]);
    const names = columns.map(([name]) => name);
    await sql(
      this.em,
      `insert into tenant_settings (tenant_id, ${names.join(', ')}) values (?${', ?'.repeat(names.length)})
       on conflict (tenant_id) do update set ${names.map((n) => `${n} = excluded.${n}`).join(', ')}, updated_at = now()`,
      [tenantId, ...columns.map(([, value]) => value)],
    );
  }

  /** The logo whose hash starts with `hashPrefix` (its URL's), if it is still the instance's logo. */
  async logo(tenantId: TenantId, hashPrefix: string): Promise<LogoUpload | undefined> {
    const row = await sqlOne<{ logo: Buffer; logo_type: LogoType; logo_hash: string }>(
      this.em,
      `select logo, logo_type, logo_hash from tenant_settings where tenant_id = ? and left(logo_hash, ${HASH_IN_URL}) = ? and logo is not null`,
      [tenantId, hashPrefix],
    );
    return row && { bytes: row.logo, type: row.logo_type, hash: row.logo_hash };
  }
}

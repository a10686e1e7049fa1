import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { sql, sqlOne } from '../database/sql.js';
import type { TenantId } from './tenant-id.js';

export interface InstanceSettings {
  requireTwoStepForAdmins: boolean;
  /** `en`, `de` or `bg`. */
  defaultLanguage: string;
  /** An IANA time zone. */
  timeZone: string;
}

/** An instance's settings (table tenant_settings); an instance without a row has the defaults. */
@Injectable()
export class TenantSettingsRepository {
  constructor(private readonly em: EntityManager) {}

  async get(tenantId: TenantId): Promise<InstanceSettings> {
    const row = await sqlOne<{ require_two_step_for_admins: boolean; default_language: string; time_zone: string }>(
      this.em,
      'select require_two_step_for_admins, default_language, time_zone from tenant_settings where tenant_id = ?',
      [tenantId],
    );
    return {
      requireTwoStepForAdmins: row?.require_two_step_for_admins ?? false,
      defaultLanguage: row?.default_language ?? 'en',
      timeZone: row?.time_zone ?? 'UTC',
    };
  }

  async save(tenantId: TenantId, settings: InstanceSettings): Promise<void> {
    await sql(
      this.em,
      `insert into tenant_settings (tenant_id, require_two_step_for_admins, default_language, time_zone) values (?, ?, ?, ?)
       on conflict (tenant_id) do update set require_two_step_for_admins = excluded.require_two_step_for_admins,
         default_language = excluded.default_language, time_zone = excluded.time_zone, updated_at = now()`,
      [tenantId, settings.requireTwoStepForAdmins, settings.defaultLanguage, settings.timeZone],
    );
  }
}

import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { sql, sqlOne } from '../database/sql.js';
import type { TenantId } from './tenant-id.js';

export interface InstanceSettings {
  requireTwoStepForAdmins: boolean;
}

/** An instance's settings (table tenant_settings); an instance without a row has the defaults. */
@Injectable()
export class TenantSettingsRepository {
  constructor(private readonly em: EntityManager) {}

  async get(tenantId: TenantId): Promise<InstanceSettings> {
    const row = await sqlOne<{ require_two_step_for_admins: boolean }>(this.em, 'select require_two_step_for_admins from tenant_settings where tenant_id = ?', [
      tenantId,
    ]);
    return { requireTwoStepForAdmins: row?.require_two_step_for_admins ?? false };
  }

  async save(tenantId: TenantId, settings: InstanceSettings): Promise<void> {
    await sql(
      this.em,
      `insert into tenant_settings (tenant_id, require_two_step_for_admins) values (?, ?)
       on conflict (tenant_id) do update set require_two_step_for_admins = excluded.require_two_step_for_admins, updated_at = now()`,
      [tenantId, settings.requireTwoStepForAdmins],
    );
  }
}

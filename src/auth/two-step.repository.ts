import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { pgArray, sql, sqlOne } from '../database/sql.js';
import type { TenantId } from '../tenancy/tenant-id.js';

export interface TotpRow {
  secret_enc: string;
  enabled: boolean;
  last_used_step: number | null;
}

/** The authenticator app and recovery codes of users (tables user_totp and recovery_code). Tenant first. */
@Injectable()
export class TwoStepRepository {
  constructor(private readonly em: EntityManager) {}

  async totpOf(tenantId: TenantId, userId: number): Promise<TotpRow | undefined> {
    return sqlOne<TotpRow>(
      this.em,
      'select secret_enc, enabled_at is not null as enabled, last_used_step::float8 as last_used_step from user_totp where tenant_id = ? and user_id = ?',
      [tenantId, userId],
    );
  }

  /** Starts (or restarts) setting up the app: a new secret, not yet on. Does nothing when the app is already on. */
  async startTotp(tenantId: TenantId, userId: number, secretEnc: string): Promise<void> {
    await sql(
      this.em,
      `insert into user_totp (tenant_id, user_id, secret_enc) values (?, ?, ?)
       on conflict (tenant_id, user_id) do update set secret_enc = excluded.secret_enc, created_at = now() where user_totp.enabled_at is null`,
      [tenantId, userId, secretEnc],
    );
  }

  /** Turns the app on with its first accepted step and stores the new recovery codes' hashes, in one transaction. */
  async enableTotp(tenantId: TenantId, userId: number, step: number, codeHashes: string[]): Promise<boolean> {
    return this.em.transactional(async (em) => {
      const row = await sqlOne(
        em,
        'update user_totp set enabled_at = now(), last_used_step = ? where tenant_id = ? and user_id = ? and enabled_at is null returning 1',
        [step, tenantId, userId],
      );
      if (!row) return false;
      await sql(em, 'delete from recovery_code where tenant_id = ? and user_id = ?', [tenantId, userId]);
      await sql(em, 'insert into recovery_code (tenant_id, user_id, code_hash) select ?, ?, unnest(?::text[])', [tenantId, userId, pgArray(codeHashes)]);
      return true;
    });
  }

  /** Records an accepted step, atomically: of two requests with the same code only one wins. */
  async useStep(tenantId: TenantId, userId: number, step: number): Promise<boolean> {
    const row = await sqlOne(
      this.em,
      `update user_totp set last_used_step = ? where tenant_id = ? and user_id = ? and enabled_at is not null
       and (last_used_step is null or last_used_step < ?) returning 1`,
      [step, tenantId, userId, step],
    );
    return !!row;
  }

  /** Uses up a recovery code; false when it is not one of the user's unused codes. */
  async useRecoveryCode(tenantId: TenantId, userId: number, codeHash: string): Promise<boolean> {
    const row = await sqlOne(
      this.em,
      'update recovery_code set used_at = now() where tenant_id = ? and user_id = ? and code_hash = ? and used_at is null returning 1',
      [tenantId, userId, codeHash],
    );
    return !!row;
  }

  async recoveryCodesLeft(tenantId: TenantId, userId: number): Promise<number> {
    const row = await sqlOne<{ n: number }>(this.em, 'select count(*)::int as n from recovery_code where tenant_id = ? and user_id = ? and used_at is null', [
      tenantId,
      userId,
    ]);
    return row?.n ?? 0;
  }

  /** Turns the app off and drops its recovery codes; true when there was something to remove. */
  async removeTotp(tenantId: TenantId, userId: number, em: EntityManager = this.em): Promise<boolean> {
    const rows = await sql(em, 'delete from user_totp where tenant_id = ? and user_id = ? returning enabled_at is not null as enabled', [tenantId, userId]);
    await sql(em, 'delete from recovery_code where tenant_id = ? and user_id = ?', [tenantId, userId]);
    return rows.some((r) => r.enabled);
  }
}

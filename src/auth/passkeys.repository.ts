import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { pgArray, sql, sqlOne } from '../database/sql.js';
import type { TenantId } from '../tenancy/tenant-id.js';

export interface PasskeyRow {
  id: number;
  user_id: number;
  credential_id: string;
  public_key: Buffer;
  counter: number;
  transports: string[];
  name: string;
  created_at: Date;
  last_used_at: Date | null;
}

/** Users' passkeys (table passkey). Tenant first: a credential is looked up only within its instance. */
@Injectable()
export class PasskeysRepository {
  constructor(private readonly em: EntityManager) {}

  async listOf(tenantId: TenantId, userId: number): Promise<PasskeyRow[]> {
    return sql<PasskeyRow>(
      this.em,
      `select id, user_id, credential_id, public_key, counter::float8 as counter, transports, name, created_at, last_used_at
       from passkey where tenant_id = ? and user_id = ? order by id`,
      [tenantId, userId],
    );
  }

  async findByCredential(tenantId: TenantId, credentialId: string): Promise<PasskeyRow | undefined> {
    return sqlOne<PasskeyRow>(
      this.em,
      `select id, user_id, credential_id, public_key, counter::float8 as counter, transports, name, created_at, last_used_at
       from passkey where tenant_id = ? and credential_id = ?`,
      [tenantId, credentialId],
    );
  }

  /** Adds a passkey; undefined when this credential is already registered in the instance. */
  async add(
    tenantId: TenantId,
    userId: number,
    p: { credentialId: string; publicKey: Uint8Array; counter: number; transports: string[]; name: string },
  ): Promise<{ id: number } | undefined> {
    return sqlOne<{ id: number }>(
      this.em,
      `insert into passkey (tenant_id, user_id, credential_id, public_key, counter, transports, name) values (?, ?, ?, ?, ?, ?::text[], ?)
       on conflict (tenant_id, credential_id) do nothing returning id`,
      [tenantId, userId, p.credentialId, Buffer.from(p.publicKey), p.counter, pgArray(p.transports), p.name],
    );
  }

  /** After a verified login: the authenticator's new counter (a clone would lag behind it). */
  async recordUse(tenantId: TenantId, id: number, counter: number): Promise<void> {
    await sql(this.em, 'update passkey set counter = ?, last_used_at = now() where tenant_id = ? and id = ?', [counter, tenantId, id]);
  }

  async remove(tenantId: TenantId, userId: number, id: number): Promise<{ name: string } | undefined> {
    return sqlOne(this.em, 'delete from passkey where tenant_id = ? and user_id = ? and id = ? returning name', [tenantId, userId, id]);
  }

  async removeAllOf(tenantId: TenantId, userId: number, em: EntityManager = this.em): Promise<number> {
    return (await sql(em, 'delete from passkey where tenant_id = ? and user_id = ? returning id', [tenantId, userId])).length;
  }

  async countOf(tenantId: TenantId, userId: number): Promise<number> {
    const row = await sqlOne<{ n: number }>(this.em, 'select count(*)::int as n from passkey where tenant_id = ? and user_id = ?', [tenantId, userId]);
    return row?.n ?? 0;
  }
}

import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { asDate, pgArray, sql, sqlOne } from '../database/sql.js';
import type { TenantId } from '../tenancy/tenant-id.js';
import type { StoredLinkState } from './link-state.js';

export interface LinkRow {
  id: number;
  subject_id: number;
  state: StoredLinkState;
  expires_at: Date;
}

/** Queries on one_time_link. Every method takes the tenant first; writes take the caller's transaction. */
@Injectable()
export class LinksRepository {
  constructor(private readonly em: EntityManager) {}

  async insert(em: EntityManager, tenantId: TenantId, purpose: string, subjectId: number, tokenHash: string, expiresAt: Date): Promise<number> {
    const row = await sqlOne<{ id: number }>(
      em,
      'insert into one_time_link (tenant_id, purpose, subject_id, token_hash, expires_at) values (?, ?, ?, ?, ?) returning id',
      [tenantId, purpose, subjectId, tokenHash, expiresAt],
    );
    return row!.id;
  }

  async findByHash(tenantId: TenantId, purpose: string, tokenHash: string): Promise<LinkRow | undefined> {
    const row = await sqlOne<LinkRow>(
      this.em,
      'select id, subject_id, state, expires_at from one_time_link where tenant_id = ? and purpose = ? and token_hash = ?',
      [tenantId, purpose, tokenHash],
    );
    return row && { ...row, expires_at: asDate(row.expires_at)! };
  }

  /** Several links at once (a batch of mails, across instances); returns the id of each token hash. */
  async insertMany(
    em: EntityManager,
    purpose: string,
    links: { tenantId: TenantId; subjectId: number; tokenHash: string; expiresAt: Date }[],
  ): Promise<Map<string, number>> {
    const rows = await sql<{ id: number; token_hash: string }>(
      em,
      `insert into one_time_link (tenant_id, purpose, subject_id, token_hash, expires_at)
       select x.tenant_id, ?, x.subject_id, x.token_hash, x.expires_at
       from jsonb_to_recordset(?::jsonb) as x(tenant_id int, subject_id int, token_hash text, expires_at timestamptz)
       returning id, token_hash`,
      [purpose, JSON.stringify(links.map((l) => ({ tenant_id: l.tenantId, subject_id: l.subjectId, token_hash: l.tokenHash, expires_at: l.expiresAt })))],
    );
    return new Map(rows.map((r) => [r.token_hash, r.id]));
  }

  /** Valid links of these ids end as `to`. */
  async endByIds(em: EntityManager, ids: number[], to: StoredLinkState, at: Date): Promise<void> {
    await sql(em, `update one_time_link set state = ?, ended_at = ? where id = any(?::int[]) and state = 'valid'`, [to, at, pgArray(ids)]);
  }

  /** For each (tenant, subject), its other valid links of `purpose` than `keepId` end as replaced. */
  async replaceExcept(em: EntityManager, purpose: string, keep: { tenantId: TenantId; subjectId: number; keepId: number }[], at: Date): Promise<void> {
    await sql(
      em,
      `update one_time_link l set state = 'replaced', ended_at = ?
       from jsonb_to_recordset(?::jsonb) as x(tenant_id int, subject_id int, keep_id int)
       where l.tenant_id = x.tenant_id and l.purpose = ? and l.subject_id = x.subject_id and l.id <> x.keep_id and l.state = 'valid'`,
      [at, JSON.stringify(keep.map((k) => ({ tenant_id: k.tenantId, subject_id: k.subjectId, keep_id: k.keepId }))), purpose],
    );
  }

  /** Exactly one of any number of concurrent calls gets the row (Read Committed re-checks the WHERE). */
  async use(em: EntityManager, tenantId: TenantId, purpose: string, tokenHash: string, now: Date): Promise<{ id: number; subject_id: number } | undefined> {
    return sqlOne(
      em,
      `update one_time_link set state = 'used', ended_at = ?
       where tenant_id = ? and purpose = ? and token_hash = ? and state = 'valid' and expires_at > ? returning id, subject_id`,
      [now, tenantId, purpose, tokenHash, now],
    );
  }

  /** Ends the subjects' links that are in one of `from` (except `keepId`); returns how many. */
  async end(
    em: EntityManager,
    tenantId: TenantId,
    purpose: string,
    subjectIds: number[],
    from: StoredLinkState[],
    to: StoredLinkState,
    at: Date,
    keepId = 0,
  ): Promise<number> {
    const rows = await sql(
      em,
      `update one_time_link set state = ?, ended_at = ?
       where tenant_id = ? and purpose = ? and subject_id = any(?::int[]) and state = any(?::text[]) and id <> ? returning id`,
      [to, at, tenantId, purpose, pgArray(subjectIds), pgArray(from), keepId],
    );
    return rows.length;
  }

  /** The subject's valid links now expire at `expiresAt`; returns how many. */
  async extend(em: EntityManager, tenantId: TenantId, purpose: string, subjectId: number, expiresAt: Date): Promise<number> {
    const rows = await sql(
      em,
      `update one_time_link set expires_at = ? where tenant_id = ? and purpose = ? and subject_id = ? and state = 'valid' returning id`,
      [expiresAt, tenantId, purpose, subjectId],
    );
    return rows.length;
  }
}

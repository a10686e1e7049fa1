import { Injectable } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray, sql, sqlOne } from '../database/sql.js';
import { tenantIdFromDatabase, type TenantId } from '../tenancy/tenant-id.js';
import type { OutboxJob } from './mail-composer.js';

export interface NewMail {
  kind: string;
  tenantId: TenantId | null;
  refId: number | null;
  recipient: string;
}

/** Queries on mail_outbox, the queue of every message. Every method takes the transaction's EntityManager. */
@Injectable()
export class OutboxRepository {
  async insert(em: EntityManager, mails: NewMail[]): Promise<void> {
    if (!mails.length) return;
    await sql(
      em,
      `insert into mail_outbox (kind, tenant_id, ref_id, recipient)
       select x.kind, x.tenant_id, x.ref_id, x.recipient from jsonb_to_recordset(?::jsonb) as x(kind text, tenant_id int, ref_id int, recipient text)`,
      [JSON.stringify(mails.map((m) => ({ kind: m.kind, tenant_id: m.tenantId, ref_id: m.refId, recipient: m.recipient })))],
    );
  }

  /** How many messages of a kind were queued for one record of a tenant since a time (a feature's rate limit). */
  async countSince(em: EntityManager, kind: string, tenantId: TenantId, refId: number, since: Date): Promise<number> {
    const row = await sqlOne<{ n: number }>(
      em,
      'select count(*)::int as n from mail_outbox where kind = ? and ref_id = ? and tenant_id = ? and created_at > ?',
      [kind, refId, tenantId, since],
    );
    return row?.n ?? 0;
  }

  /** Messages not yet on their way are dropped (a revoked invitation); one in flight finishes. */
  async cancel(em: EntityManager, kind: string, refIds: number[]): Promise<void> {
    if (!refIds.length) return;
    await sql(
      em,
      `update mail_outbox set state = 'cancelled', locked_until = null where kind = ? and ref_id = any(?::int[]) and state in ('queued', 'failed')`,
      [kind, pgArray(refIds)],
    );
  }

  /**
   * Claims due rows for this process: queued or failed ones whose time has come, and ones left
   * 'sending' by a process that died (lease over). SKIP LOCKED lets several processes claim at
   * once without taking the same row; `attempts` is the fencing token of this claim.
   */
  async claimDue(em: EntityManager, limit: number, maxAttempts: number, leaseSeconds: number): Promise<OutboxJob[]> {
    const rows = await sql<{ id: number; kind: string; tenant_id: number | null; ref_id: number | null; recipient: string; attempts: number }>(
      em,
      `update mail_outbox o set state = 'sending', locked_until = now() + make_interval(secs => ?), attempts = o.attempts + 1
       where o.id in (
         select id from mail_outbox
         where state in ('queued', 'failed', 'sending')
           and ((state in ('queued', 'failed') and next_attempt_at <= now() and attempts < ?)
                or (state = 'sending' and locked_until < now()))
         order by next_attempt_at
         limit ?
         for update skip locked)
       returning o.id, o.kind, o.tenant_id, o.ref_id, o.recipient, o.attempts`,
      [leaseSeconds, maxAttempts, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      tenantId: r.tenant_id === null ? null : tenantIdFromDatabase(r.tenant_id),
      refId: r.ref_id,
      recipient: r.recipient,
      attempts: r.attempts,
    }));
  }

  /** SMTP accepted these mails; returns the ids whose claim still held (not re-claimed after the lease). */
  async markSent(em: EntityManager, sent: { id: number; attempts: number; recipient: string }[], at: Date): Promise<Set<number>> {
    const rows = await sql<{ id: number }>(
      em,
      `update mail_outbox o set state = 'sent', recipient = x.recipient, sent_at = ?, locked_until = null, last_error = null
       from jsonb_to_recordset(?::jsonb) as x(id int, attempts int, recipient text)
       where o.id = x.id and o.state = 'sending' and o.attempts = x.attempts returning o.id`,
      [at, JSON.stringify(sent)],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** `setAttempts` at the maximum stops the retries (giving up); the row stays 'failed' with its reason. */
  async markFailed(em: EntityManager, id: number, attempts: number, reason: string, retryInMs: number, setAttempts: number): Promise<boolean> {
    const rows = await sql(
      em,
      `update mail_outbox set state = 'failed', last_error = ?, next_attempt_at = now() + make_interval(secs => ?), locked_until = null, attempts = ?
       where id = ? and state = 'sending' and attempts = ? returning id`,
      [reason, retryInMs / 1000, setAttempts, id, attempts],
    );
    return rows.length === 1;
  }

  /** The composer no longer wants the message sent. */
  async markCancelled(em: EntityManager, id: number, attempts: number): Promise<void> {
    await sql(em, `update mail_outbox set state = 'cancelled', locked_until = null where id = ? and state = 'sending' and attempts = ?`, [id, attempts]);
  }

  /** Gives claimed but unsent rows back (shutdown), as if never claimed. */
  async release(em: EntityManager, ids: number[]): Promise<void> {
    if (!ids.length) return;
    await sql(
      em,
      `update mail_outbox set state = case when last_error is null then 'queued' else 'failed' end, locked_until = null, attempts = greatest(attempts - 1, 0)
       where id = any(?::int[]) and state = 'sending'`,
      [pgArray(ids)],
    );
  }
}

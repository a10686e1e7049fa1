import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { Clock } from '../common/clock.js';
import type { TenantId } from '../tenancy/tenant-id.js';
import { linkStatus, type LinkStatus } from './link-state.js';
import { hashLinkToken, looksLikeLinkToken, newLinkToken } from './link-token.js';
import { LinksRepository } from './links.repository.js';

/** A known link says whose it is, whatever its state; an unknown one says nothing. */
export type LinkCheck = { status: Exclude<LinkStatus, 'unknown'>; id: number; subjectId: number; expiresAt: Date } | { status: 'unknown' };

/**
 * One-time links (invitation, password reset): a token made here is handed out once; only its
 * SHA-256 is stored, with a purpose, the tenant, the subject (a user id) and an expiry. A link is
 * used up once, and ends as used, revoked or replaced.
 */
@Injectable()
export class LinksService {
  constructor(
    private readonly repo: LinksRepository,
    private readonly clock: Clock,
  ) {}

  /** A new valid link, stored in the caller's transaction; the token is returned and never kept. */
  async issue(em: EntityManager, tenantId: TenantId, purpose: string, subjectId: number, expiresAt: Date): Promise<{ id: number; token: string }> {
    const token = newLinkToken();
    const id = await this.repo.insert(em, tenantId, purpose, subjectId, hashLinkToken(token), expiresAt);
    return { id, token };
  }

  /** One new valid link per entry, stored together (a batch of mails); the tokens are returned in order and never kept. */
  async issueMany(
    em: EntityManager,
    purpose: string,
    links: { tenantId: TenantId; subjectId: number; expiresAt: Date }[],
  ): Promise<{ id: number; token: string }[]> {
    if (!links.length) return [];
    const made = links.map((l) => {
      const token = newLinkToken();
      return { ...l, token, tokenHash: hashLinkToken(token) };
    });
    const ids = await this.repo.insertMany(em, purpose, made);
    return made.map((m) => ({ id: ids.get(m.tokenHash)!, token: m.token }));
  }

  /** Withdraws links that were never handed out (their messages were not sent after all). */
  async withdraw(em: EntityManager, ids: number[]): Promise<void> {
    if (ids.length) await this.repo.endByIds(em, ids, 'revoked', this.clock.now());
  }

  /** Each subject's newest delivered link (`keepId`) takes over: its other valid links say "replaced". */
  async supersede(em: EntityManager, purpose: string, keep: { tenantId: TenantId; subjectId: number; keepId: number }[]): Promise<void> {
    if (keep.length) await this.repo.replaceExcept(em, purpose, keep, this.clock.now());
  }

  /** Read only: opening a link (a mail scanner does too) changes nothing. */
  async check(tenantId: TenantId, purpose: string, token: string): Promise<LinkCheck> {
    if (!looksLikeLinkToken(token)) return { status: 'unknown' };
    const row = await this.repo.findByHash(tenantId, purpose, hashLinkToken(token));
    if (!row) return { status: 'unknown' };
    const status = linkStatus(row, this.clock.now()) as Exclude<LinkStatus, 'unknown'>;
    return { status, id: row.id, subjectId: row.subject_id, expiresAt: row.expires_at };
  }

  /** Uses the link up in the caller's transaction: of concurrent callers exactly one gets the subject. */
  async use(em: EntityManager, tenantId: TenantId, purpose: string, token: string): Promise<{ id: number; subjectId: number } | undefined> {
    if (!looksLikeLinkToken(token)) return undefined;
    const row = await this.repo.use(em, tenantId, purpose, hashLinkToken(token), this.clock.now());
    return row && { id: row.id, subjectId: row.subject_id };
  }

  /** The subject's other valid links end as used (its purpose is fulfilled). */
  async useUpOthers(em: EntityManager, tenantId: TenantId, purpose: string, subjectId: number, keepId: number): Promise<void> {
    await this.repo.end(em, tenantId, purpose, [subjectId], ['valid'], 'used', this.clock.now(), keepId);
  }

  /** A newer link (or a new request) takes over: the subjects' earlier links, valid or revoked, say "replaced". */
  async replace(em: EntityManager, tenantId: TenantId, purpose: string, subjectIds: number[], keepId = 0): Promise<void> {
    if (subjectIds.length) await this.repo.end(em, tenantId, purpose, subjectIds, ['valid', 'revoked'], 'replaced', this.clock.now(), keepId);
  }

  /** Withdraws the subjects' valid links; returns how many. */
  async revoke(em: EntityManager, tenantId: TenantId, purpose: string, subjectIds: number[]): Promise<number> {
    return subjectIds.length ? this.repo.end(em, tenantId, purpose, subjectIds, ['valid'], 'revoked', this.clock.now()) : 0;
  }

  /** The subject's valid links (an invitation's, and its reminder's) live until `expiresAt`. */
  async extend(em: EntityManager, tenantId: TenantId, purpose: string, subjectId: number, expiresAt: Date): Promise<number> {
    return this.repo.extend(em, tenantId, purpose, subjectId, expiresAt);
  }
}

import { Injectable, NotFoundException } from '@nestjs/common';
import type { Message } from '../common/i18n/message.js';
import { orNotFound } from '../common/decorators.js';
import { EntityManager } from '@mikro-orm/postgresql';
import { AuditService, type Actor } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { LinksService } from '../links/links.service.js';
import { MailOutbox } from '../mail/mail-outbox.js';
import type { TenantId } from '../tenancy/tenant-id.js';
import { isInvitationType } from '../users/user-type.js';
import { UsersService } from '../users/users.service.js';
import { INVITATION_KIND, INVITATION_LINK } from './invitation-mail.composer.js';
import { INVITATION_MESSAGES, noRolesWarning, type InvitationRefusal } from './invitation-messages.js';
import { statusView, type InvitationStatus } from './invitation-state.js';
import { InvitationViewsRepository } from './invitation-views.repository.js';
import { InvitationsRepository, type InviteeRow } from './invitations.repository.js';

export interface InvitationConfirmation {
  user: { id: number; login: string; name: string; email: string | null; userType: string };
  /** Why sending is refused (message text); the OK button is not offered then. */
  refusal?: string;
  refusalCode?: InvitationRefusal;
  /** Sending is allowed, but the administrator should know (no roles): in English, and for the page (its reader's language). */
  warning?: string;
  warningMessage?: Message;
}

/** The latest invitation of a user, for the user form. */
export interface InvitationSummary {
  /** null: never invited. */
  status: InvitationStatus | null;
  statusLabel: string;
  tone: string;
  lastError: string | null;
  sentAt: Date | null;
  sentByLogin: string | null;
  expiresAt: Date | null;
  createdAt: Date | null;
  /** When the reminder mail went out (or was queued); null: none. */
  remindedAt: Date | null;
  /** The person asked for a new invitation from a dead link. */
  requested: boolean;
}

export type SendResult = { ok: true; invitationId: number; user: InviteeRow } | { ok: false; code: InvitationRefusal; user: InviteeRow };

export interface BulkResult {
  queued: { id: number; login: string; name: string }[];
  skipped: { id: number; login?: string; name?: string; reason: string }[];
}

const BULK_MAX = 500;

/** Sending and revoking invitations (the administrator's side). Delivery is the worker's job. */
@Injectable()
export class InvitationsService {
  constructor(
    private readonly em: EntityManager,
    private readonly repo: InvitationsRepository,
    private readonly views: InvitationViewsRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly outbox: MailOutbox,
    private readonly links: LinksService,
    private readonly users: UsersService,
  ) {}

  /** What the confirmation (page or dialog) says before sending. 404 for a user of another instance. */
  async confirmation(tenantId: TenantId, userId: number): Promise<InvitationConfirmation> {
    const user = orNotFound(await this.repo.findInvitee(tenantId, userId));
    return confirmationOf({ ...user, roleCount: user.role_names.length });
  }

  /** Queues one invitation mail (see `queue`); 404 for a user of another instance. */
  async send(tenantId: TenantId, actor: Actor, userId: number, ip: string): Promise<SendResult> {
    const result = (await this.queue(tenantId, actor, [userId], ip)).get(userId);
    return orNotFound(result);
  }

  /** Sends to each selected user (one refusal does not stop the others); ids of other instances are "not found". */
  async sendMany(tenantId: TenantId, actor: Actor, userIds: number[], ip: string): Promise<BulkResult> {
    const ids = [...new Set(userIds)].slice(0, BULK_MAX);
    const results = await this.queue(tenantId, actor, ids, ip);
    const bulk: BulkResult = { queued: [], skipped: [] };
    for (const id of ids) {
      const sent = results.get(id);
      if (!sent) bulk.skipped.push({ id, reason: 'Not found: this user does not exist (any more).' });
      else if (sent.ok) bulk.queued.push({ id, login: sent.user.login, name: sent.user.name });
      else bulk.skipped.push({ id, login: sent.user.login, name: sent.user.name, reason: INVITATION_MESSAGES[sent.code] });
    }
    return bulk;
  }

  /**
   * Queues invitation mails in one transaction with everything they imply, a statement per step
   * whatever the number of users: earlier open invitations are revoked and their links say
   * "replaced", the roles are recorded, the mails enter the outbox, requests for a new invitation
   * are cleared, the audit lines are written.
   */
  private async queue(tenantId: TenantId, actor: Actor, userIds: number[], ip: string): Promise<Map<number, SendResult>> {
    const results = new Map<number, SendResult>();
    await this.em.transactional(async (em) => {
      const users = await this.repo.lockInvitees(em, tenantId, userIds);
      const eligible = users.filter((user) => {
        const code = refusalOf(user);
        if (code) results.set(user.id, { ok: false, code, user });
        return !code;
      });
      if (eligible.length === 0) return;
      const ids = eligible.map((u) => u.id);
      const resent = await this.repo.invitedBefore(em, tenantId, ids);
      await this.outbox.cancel(em, INVITATION_KIND, await this.repo.revokeOpen(em, tenantId, ids, this.clock.now()));
      await this.links.replace(em, tenantId, INVITATION_LINK, ids);
      const invitationIds = await this.repo.insertQueued(em, tenantId, eligible, actor.id);
      await this.outbox.enqueue(
        em,
        eligible.map((user) => ({ kind: INVITATION_KIND, tenantId, refId: invitationIds.get(user.id)!, recipient: user.email! })),
      );
      await this.users.clearInvitationRequested(em, tenantId, ids);
      await this.audit.recordMany(
        eligible.map((user) => ({
          tenantId,
          event: resent.has(user.id) ? 'invitation_resent' : 'invitation_sent',
          actor,
          target: { type: 'user', id: user.id },
          ip,
          details: { invitationId: invitationIds.get(user.id), login: user.login, email: user.email, roles: user.role_names },
        })),
        em,
      );
      for (const user of eligible) results.set(user.id, { ok: true, invitationId: invitationIds.get(user.id)!, user });
    });
    if ([...results.values()].some((r) => r.ok)) this.outbox.kick();
    return results;
  }

  /**
   * Invitations for users an import has just created, in the import's transaction (a statement per
   * 5,000 for the invitations and their outbox rows); the import's own audit entry counts them.
   * Call `deliverSoon` once it committed.
   */
  async queueImported(
    em: EntityManager,
    tenantId: TenantId,
    actorId: number,
    invitees: { id: number; email: string; role_names: string[] }[],
  ): Promise<number> {
    let count = 0;
    for (let i = 0; i < invitees.length; i += 5000) {
      const batch = invitees.slice(i, i + 5000);
      const ids = await this.repo.insertQueued(em, tenantId, batch, actorId);
      await this.outbox.enqueue(
        em,
        batch.map((user) => ({ kind: INVITATION_KIND, tenantId, refId: ids.get(user.id)!, recipient: user.email })),
      );
      count += ids.size;
    }
    return count;
  }

  deliverSoon(): void {
    this.outbox.kick();
  }

  /** Kills the user's open invitation. False when there was none. */
  async revoke(tenantId: TenantId, actor: Actor, userId: number, ip: string): Promise<boolean> {
    return this.em.transactional(async (em) => {
      if (!(await this.users.lock(em, tenantId, userId))) throw new NotFoundException();
      if ((await this.revokeOpen(em, tenantId, userId)) === 0) return false;
      await this.audit.record({ tenantId, event: 'invitation_revoked', actor, target: { type: 'user', id: userId }, ip }, em);
      return true;
    });
  }

  /**
   * The user's open invitations end as revoked, their queued mails are dropped, and their links die;
   * returns how many were open. In the caller's transaction: Revoke invitation, and deactivation
   * (which audits itself).
   */
  async revokeOpen(em: EntityManager, tenantId: TenantId, userId: number): Promise<number> {
    const revoked = await this.repo.revokeOpen(em, tenantId, [userId], this.clock.now());
    await this.outbox.cancel(em, INVITATION_KIND, revoked);
    await this.links.revoke(em, tenantId, INVITATION_LINK, [userId]);
    return revoked.length;
  }

  /** For a page of the users list: the badge of each user's latest invitation (users never invited are absent). */
  async badgesOf(tenantId: TenantId, userIds: number[]): Promise<Map<number, { status: InvitationStatus; label: string; tone: string; error: string | null }>> {
    const now = this.clock.now();
    const rows = userIds.length ? await this.views.latestStates(tenantId, userIds) : [];
    return new Map(rows.map((row) => [row.user_id, { ...statusView(row, now), error: row.last_error }]));
  }

  /** The latest invitation of each of these users, in full (the user form): each existing user gets an entry, status null when never invited. */
  async latestByUser(tenantId: TenantId, userIds: number[]): Promise<Map<number, InvitationSummary>> {
    const map = new Map<number, InvitationSummary>();
    if (!userIds.length) return map;
    const now = this.clock.now();
    for (const row of await this.views.latestByUser(tenantId, userIds)) {
      const view = row.status ? statusView({ status: row.status, expires_at: row.expires_at }, now) : undefined;
      map.set(row.user_id, {
        status: view?.status ?? null,
        statusLabel: view?.label ?? '',
        tone: view?.tone ?? '',
        lastError: row.last_error,
        sentAt: row.sent_at,
        sentByLogin: row.sent_by_login,
        expiresAt: row.expires_at,
        createdAt: row.created_at,
        remindedAt: row.reminded_at,
        requested: !!row.invitation_requested_at,
      });
    }
    return map;
  }
}

/**
 * What the confirmation says before sending, from what the caller already knows of the user
 * (the user form has it loaded; the confirmation page reads it).
 */
export function confirmationOf(user: Invitee & { id: number; login: string; name: string; roleCount: number }): InvitationConfirmation {
  const refusalCode = refusalOf(user);
  return {
    user: { id: user.id, login: user.login, name: user.name, email: user.email, userType: user.user_type },
    refusalCode,
    refusal: refusalCode && INVITATION_MESSAGES[refusalCode],
    ...(!refusalCode && user.roleCount === 0 ? { warning: noRolesWarning(user.login).toString(), warningMessage: noRolesWarning(user.login) } : {}),
  };
}

type Invitee = Pick<InviteeRow, 'accepted' | 'user_type' | 'email' | 'deactivated'>;

function refusalOf(user: Invitee): InvitationRefusal | undefined {
  if (user.deactivated) return 'deactivated';
  if (user.accepted) return 'already-accepted';
  if (!isInvitationType(user.user_type)) return 'not-invitation-type';
  if (!user.email) return 'no-email';
  return undefined;
}

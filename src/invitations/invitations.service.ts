import { Injectable, NotFoundException } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { isInvitationType } from '../users/user-type.js';
import { InvitationDeliveryWorker } from './invitation-delivery.worker.js';
import { INVITATION_MESSAGES, noRolesWarning, type InvitationRefusal } from './invitation-messages.js';
import { invitationStatus, STATUS_LABELS, STATUS_TONES, type InvitationStatus } from './invitation-state.js';
import { InvitationsRepository, type InviteeRow } from './invitations.repository.js';

export interface Actor {
  id: number;
  login: string;
}

export interface InvitationConfirmation {
  user: { id: number; login: string; name: string; email: string | null; userType: string };
  /** Why sending is refused (message text); the OK button is not offered then. */
  refusal?: string;
  refusalCode?: InvitationRefusal;
  /** Sending is allowed, but the administrator should know (no roles). */
  warning?: string;
}

/** The latest invitation of a user, for the users list and the user form. */
export interface InvitationSummary {
  /** null: never invited. */
  status: InvitationStatus | null;
  statusLabel: string;
  tone: string;
  lastError: string | null;
  attempts: number;
  sentAt: Date | null;
  sentByLogin: string | null;
  expiresAt: Date | null;
  createdAt: Date | null;
  /** The person asked for a new invitation from a dead link. */
  requested: boolean;
  requestedAt: Date | null;
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
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly worker: InvitationDeliveryWorker,
  ) {}

  /** What the confirmation (page or dialog) says before sending. 404 for a user of another instance. */
  async confirmation(tenantId: number, userId: number): Promise<InvitationConfirmation> {
    const user = await this.repo.findInvitee(this.em, tenantId, userId);
    if (!user) throw new NotFoundException();
    const refusalCode = refusalOf(user);
    return {
      user: { id: user.id, login: user.login, name: user.name, email: user.email, userType: user.user_type },
      refusalCode,
      refusal: refusalCode && INVITATION_MESSAGES[refusalCode],
      warning: !refusalCode && user.role_names.length === 0 ? noRolesWarning(user.login) : undefined,
    };
  }

  /**
   * Queues the invitation mail in one transaction with everything it implies: earlier open
   * invitations are revoked (their links die), the roles are recorded, the audit line is written.
   */
  async send(tenantId: number, actor: Actor, userId: number, ip: string): Promise<SendResult> {
    const result = await this.em.transactional(async (em): Promise<SendResult> => {
      if (!(await this.repo.lockUser(em, tenantId, userId))) throw new NotFoundException();
      const user = (await this.repo.findInvitee(em, tenantId, userId))!;
      const code = refusalOf(user);
      if (code) return { ok: false, code, user };
      const existed = await this.repo.hasAny(em, tenantId, userId);
      await this.repo.revokeOpen(em, tenantId, userId, this.clock.now());
      const invitationId = await this.repo.insertQueued(em, tenantId, userId, user.role_names, actor.id);
      await this.repo.clearRequested(em, tenantId, userId);
      await this.audit.record(
        {
          tenantId,
          event: existed ? 'invitation_resent' : 'invitation_sent',
          actor,
          target: { type: 'user', id: userId },
          ip,
          details: { invitationId, login: user.login, email: user.email, roles: user.role_names },
        },
        em,
      );
      return { ok: true, invitationId, user };
    });
    if (result.ok) this.worker.kick();
    return result;
  }

  /** Sends to each selected user on its own (one refusal does not stop the others); ids of other instances are "not found". */
  async sendMany(tenantId: number, actor: Actor, userIds: number[], ip: string): Promise<BulkResult> {
    const result: BulkResult = { queued: [], skipped: [] };
    for (const id of [...new Set(userIds)].slice(0, BULK_MAX)) {
      try {
        const sent = await this.send(tenantId, actor, id, ip);
        const who = { id, login: sent.user.login, name: sent.user.name };
        if (sent.ok) result.queued.push(who);
        else result.skipped.push({ ...who, reason: INVITATION_MESSAGES[sent.code] });
      } catch (err) {
        if (!(err instanceof NotFoundException)) throw err;
        result.skipped.push({ id, reason: 'Not found: this user does not exist (any more).' });
      }
    }
    return result;
  }

  /** Kills the user's open invitation. False when there was none. */
  async revoke(tenantId: number, actor: Actor, userId: number, ip: string): Promise<boolean> {
    return this.em.transactional(async (em) => {
      if (!(await this.repo.lockUser(em, tenantId, userId))) throw new NotFoundException();
      const count = await this.repo.revokeOpen(em, tenantId, userId, this.clock.now());
      if (count === 0) return false;
      await this.audit.record({ tenantId, event: 'invitation_revoked', actor, target: { type: 'user', id: userId }, ip }, em);
      return true;
    });
  }

  /** One query for a page of users: each existing user of the instance gets an entry (status null when never invited). */
  async latestByUser(tenantId: number, userIds: number[]): Promise<Map<number, InvitationSummary>> {
    const map = new Map<number, InvitationSummary>();
    if (!userIds.length) return map;
    const now = this.clock.now();
    for (const row of await this.repo.latestByUser(this.em, tenantId, userIds)) {
      const status = row.status ? invitationStatus({ status: row.status, expires_at: row.expires_at }, now) : null;
      map.set(row.user_id, {
        status,
        statusLabel: status ? STATUS_LABELS[status] : '',
        tone: status ? STATUS_TONES[status] : '',
        lastError: row.last_error,
        attempts: row.attempts ?? 0,
        sentAt: row.sent_at,
        sentByLogin: row.sent_by_login,
        expiresAt: row.expires_at,
        createdAt: row.created_at,
        requested: !!row.invitation_requested_at,
        requestedAt: row.invitation_requested_at,
      });
    }
    return map;
  }
}

function refusalOf(user: InviteeRow): InvitationRefusal | undefined {
  if (user.accepted) return 'already-accepted';
  if (!isInvitationType(user.user_type)) return 'not-invitation-type';
  if (!user.email) return 'no-email';
  return undefined;
}

import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AuditService } from '../audit/audit.service.js';
import { hashPassword } from '../auth/password-hasher.js';
import { passwordProblem } from '../auth/password-policy.js';
import { Clock } from '../common/clock.js';
import { ACCEPTED_TYPES, isInvitationType } from '../users/user-type.js';
import { hashInvitationToken, looksLikeInvitationToken } from './invitation-token.js';
import { InvitationsRepository } from './invitations.repository.js';

/** Why a link shows no form. */
export type DeadLink = 'expired' | 'used' | 'revoked' | 'replaced' | 'unknown';

export type LinkState = { kind: 'valid'; login: string; name: string; expiresAt: Date } | { kind: DeadLink };

export type FieldErrors = Partial<Record<'password' | 'confirmPassword', string>>;

export type AcceptResult =
  { kind: 'accepted'; login: string } | { kind: 'invalid'; login: string; name: string; expiresAt: Date; errors: FieldErrors } | { kind: DeadLink };

const REQUESTS_PER_HOUR = 3;

/** The invited person's side: the Create Account page, acceptance, and "Request a new invitation". */
@Injectable()
export class SignupService {
  constructor(
    private readonly em: EntityManager,
    private readonly repo: InvitationsRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** Read only: opening a link (a mail scanner does too) changes nothing. */
  async linkState(tenantId: number, token: string): Promise<LinkState> {
    if (!looksLikeInvitationToken(token)) return { kind: 'unknown' };
    const row = await this.repo.findByTokenHash(this.em, tenantId, hashInvitationToken(token));
    if (!row) return { kind: 'unknown' };
    if (row.status === 'accepted') return { kind: 'used' };
    if (row.status === 'revoked') return { kind: row.replaced ? 'replaced' : 'revoked' };
    if (row.status !== 'sent' || !row.expires_at) return { kind: 'unknown' };
    if (row.expires_at <= this.clock.now()) return { kind: 'expired' };
    return { kind: 'valid', login: row.login, name: row.name, expiresAt: row.expires_at };
  }

  /**
   * Checks the password first (a refusal never uses the link), then uses the link and activates
   * the account in one transaction. Of concurrent submissions exactly one wins; the others see
   * the link as used.
   */
  async accept(tenantId: number, token: string, password: string, confirmPassword: string, ip: string): Promise<AcceptResult> {
    const state = await this.linkState(tenantId, token);
    if (state.kind !== 'valid') return state;
    const errors: FieldErrors = {};
    const problem = passwordProblem(password, { login: state.login, name: state.name });
    if (problem) errors.password = problem;
    else if (password !== confirmPassword) errors.confirmPassword = 'The passwords do not match.';
    if (errors.password || errors.confirmPassword) return { kind: 'invalid', login: state.login, name: state.name, expiresAt: state.expiresAt, errors };

    const passwordHash = await hashPassword(password);
    const now = this.clock.now();
    const login = await this.em.transactional(async (em) => {
      const used = await this.repo.consume(em, tenantId, hashInvitationToken(token), now);
      if (!used) return undefined;
      const user = await this.repo.activateUser(em, tenantId, used.user_id, passwordHash, ACCEPTED_TYPES);
      await this.repo.joinEverybody(em, tenantId, used.user_id);
      await this.audit.record(
        {
          tenantId,
          event: 'invitation_accepted',
          actor: { id: used.user_id, login: user.login },
          target: { type: 'user', id: used.user_id },
          ip,
          details: { invitationId: used.id, userType: user.user_type },
        },
        em,
      );
      return user.login;
    });
    if (login !== undefined) return { kind: 'accepted', login };
    const after = await this.linkState(tenantId, token);
    return after.kind === 'valid' ? { kind: 'used' } : after;
  }

  /**
   * Flags the link's user for the administrator, when the link is a real invitation of this
   * instance for someone who still has no account; at most a few times an hour. Whatever
   * happens, the caller shows the same answer.
   */
  async requestAgain(tenantId: number, token: string, ip: string): Promise<void> {
    if (!looksLikeInvitationToken(token)) return;
    const row = await this.repo.findByTokenHash(this.em, tenantId, hashInvitationToken(token));
    if (!row || !isInvitationType(row.user_type)) return;
    await this.em.transactional(async (em) => {
      if (!(await this.repo.lockUser(em, tenantId, row.user_id))) return;
      if ((await this.repo.requestsSince(em, tenantId, row.user_id, 3600)) >= REQUESTS_PER_HOUR) return;
      await this.repo.markRequested(em, tenantId, row.user_id);
      await this.audit.record(
        { tenantId, event: 'invitation_requested_again', target: { type: 'user', id: row.user_id }, ip, details: { invitationId: row.id, login: row.login } },
        em,
      );
    });
  }
}

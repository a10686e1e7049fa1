import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AuditService } from '../audit/audit.service.js';
import { hashPassword } from '../users/password-hasher.js';
import { newPasswordErrors, type NewPasswordErrors } from '../users/password-policy.js';
import { Clock } from '../common/clock.js';
import { GroupsService } from '../groups/groups.service.js';
import type { DeadLinkStatus } from '../links/link-state.js';
import { LinksService } from '../links/links.service.js';
import type { TenantId } from '../tenancy/tenant-id.js';
import { isInvitationType } from '../users/user-type.js';
import { UsersService } from '../users/users.service.js';
import { INVITATION_LINK } from './invitation-mail.composer.js';
import { InvitationViewsRepository } from './invitation-views.repository.js';
import { InvitationsRepository } from './invitations.repository.js';

/** What a Create Account link shows: the form for its user, or why there is none. */
export type LinkState = { kind: 'valid'; userId: number; login: string; name: string; language: string | null; expiresAt: Date } | { kind: DeadLinkStatus };

export type FieldErrors = NewPasswordErrors;

export type AcceptResult =
  | { kind: 'accepted'; login: string }
  | { kind: 'invalid'; login: string; name: string; language: string | null; expiresAt: Date; errors: FieldErrors }
  | { kind: DeadLinkStatus };

const REQUESTS_PER_HOUR = 3;

/** The invited person's side: the Create Account page, acceptance, and "Request a new invitation". */
@Injectable()
export class SignupService {
  constructor(
    private readonly em: EntityManager,
    private readonly repo: InvitationsRepository,
    private readonly views: InvitationViewsRepository,
    private readonly links: LinksService,
    private readonly users: UsersService,
    private readonly groups: GroupsService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** Read only: opening a link (a mail scanner does too) changes nothing. */
  async linkState(tenantId: TenantId, token: string): Promise<LinkState> {
    const link = await this.links.check(tenantId, INVITATION_LINK, token);
    if (link.status !== 'valid') return { kind: link.status };
    const user = await this.users.contact(tenantId, link.subjectId);
    if (!user) return { kind: 'unknown' };
    return { kind: 'valid', userId: link.subjectId, login: user.login, name: user.name, language: user.language, expiresAt: link.expiresAt };
  }

  /**
   * Checks the password first (a refusal never uses the link), then uses the link and activates
   * the account in one transaction. Of concurrent submissions exactly one wins; the others see
   * the link as used.
   */
  async accept(tenantId: TenantId, token: string, password: string, confirmPassword: string, ip: string): Promise<AcceptResult> {
    const state = await this.linkState(tenantId, token);
    if (state.kind !== 'valid') return state;
    const errors = newPasswordErrors(password, confirmPassword, state);
    if (errors.password || errors.confirmPassword)
      return { kind: 'invalid', login: state.login, name: state.name, language: state.language, expiresAt: state.expiresAt, errors };

    const passwordHash = await hashPassword(password);
    const now = this.clock.now();
    const login = await this.em.transactional(async (em) => {
      // The user first: two submissions through two links of one invitation (the mail's and the
      // reminder's) take their turns instead of deadlocking on each other's link.
      if (!(await this.users.lock(em, tenantId, state.userId))) return undefined;
      const used = await this.links.use(em, tenantId, INVITATION_LINK, token);
      if (!used) return undefined;
      const userId = used.subjectId;
      // The invitation before its other links: a reminder's link being made holds the invitation's
      // row until it is committed, so the statement below sees it and uses it up with the rest.
      const invitationId = await this.repo.markAccepted(em, tenantId, userId, now);
      // The invitation's other links (a reminder's, a retried send's) are used up with this one.
      await this.links.useUpOthers(em, tenantId, INVITATION_LINK, userId, used.id);
      const user = await this.users.activate(em, tenantId, userId, passwordHash);
      await this.groups.joinEverybody(em, tenantId, userId);
      await this.audit.record(
        {
          tenantId,
          event: 'invitation_accepted',
          actor: { id: userId, login: user.login },
          target: { type: 'user', id: userId },
          ip,
          details: { invitationId, userType: user.user_type },
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
  async requestAgain(tenantId: TenantId, token: string, ip: string): Promise<void> {
    const link = await this.links.check(tenantId, INVITATION_LINK, token);
    if (link.status === 'unknown') return;
    const user = await this.users.contact(tenantId, link.subjectId);
    if (!user || !isInvitationType(user.user_type)) return;
    await this.em.transactional(async (em) => {
      if (!(await this.users.lock(em, tenantId, link.subjectId))) return;
      if ((await this.audit.countSince(em, tenantId, 'invitation_requested_again', { type: 'user', id: link.subjectId }, 3600)) >= REQUESTS_PER_HOUR) return;
      const invitationId = await this.views.latestId(tenantId, link.subjectId);
      await this.users.markInvitationRequested(em, tenantId, link.subjectId);
      await this.audit.record(
        { tenantId, event: 'invitation_requested_again', target: { type: 'user', id: link.subjectId }, ip, details: { invitationId, login: user.login } },
        em,
      );
    });
  }
}

import { Injectable, NotFoundException } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { LinksService } from '../links/links.service.js';
import type { DeadLinkStatus } from '../links/link-state.js';
import { MailOutbox } from '../mail/mail-outbox.js';
import type { TenantId } from '../tenancy/tenant-id.js';
import { hashPassword } from '../users/password-hasher.js';
import { newPasswordErrors, type NewPasswordErrors } from '../users/password-policy.js';
import type { SessionUser } from '../users/session-user.js';
import { canLogIn } from '../users/user-type.js';
import { UsersRepository } from '../users/users.repository.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { PASSWORD_RESET_KIND, PASSWORD_RESET_LINK, resetRefusal, type ResetRefusal } from './password-reset.composer.js';
import { SessionsRepository } from './sessions.repository.js';

/** The one answer to "Forgot password", whatever was typed (the contract's exact words). */
export const FORGOT_ANSWER = 'If an account matches, a mail with a reset link is on its way.';
/** At most this many reset mails per account per hour; more requests are answered the same and send nothing. */
const RESETS_PER_HOUR = 3;

export type ResetLinkState = { kind: 'valid'; login: string; name: string; language: string | null; expiresAt: Date } | { kind: DeadLinkStatus };
export type ResetResult =
  | { kind: 'done'; login: string }
  | { kind: 'invalid'; login: string; name: string; language: string | null; expiresAt: Date; errors: NewPasswordErrors }
  | { kind: DeadLinkStatus };

/** Forgot password, the Reset password link, and the administrator's "Send password reset mail". */
@Injectable()
export class PasswordResetService {
  constructor(
    private readonly em: EntityManager,
    private readonly users: UsersRepository,
    private readonly links: LinksService,
    private readonly outbox: MailOutbox,
    private readonly sessions: SessionsRepository,
    private readonly throttle: LoginThrottleService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /**
   * "Forgot password": a mail for an active Internal or External user with an address whom the login
   * or email names, at most RESETS_PER_HOUR an hour. The same statements run whatever was typed, so
   * neither the answer nor its time tells whether an account matched.
   */
  async request(tenantId: TenantId, typed: string, ip: string): Promise<void> {
    const name = typed.trim().slice(0, 254);
    const hourAgo = new Date(this.clock.now().getTime() - 3_600_000);
    const queued = await this.em.transactional(async (em) => {
      const user = name ? await this.users.findForReset(tenantId, name) : undefined;
      const recent = await this.outbox.countSince(em, PASSWORD_RESET_KIND, tenantId, user?.id ?? 0, hourAgo);
      const send = !!user && recent < RESETS_PER_HOUR;
      if (send) await this.outbox.enqueue(em, [{ kind: PASSWORD_RESET_KIND, tenantId, refId: user.id, recipient: user.email! }]);
      await this.audit.record(
        {
          tenantId,
          event: 'password_reset_requested',
          target: user ? { type: 'user', id: user.id } : null,
          ip,
          details: { typed: name.slice(0, 64), mailQueued: send, ...(send ? {} : { reason: user ? 'rate_limited' : 'no_matching_user' }) },
        },
        em,
      );
      return send;
    });
    if (queued) this.outbox.kick();
  }

  /** Why an administrator cannot send this user a reset mail, if they cannot. */
  async adminRefusal(
    tenantId: TenantId,
    userId: number,
  ): Promise<{ user: { id: number; login: string; name: string; email: string | null }; refusal?: ResetRefusal }> {
    const user = await this.users.findContact(tenantId, userId);
    if (!user) throw new NotFoundException();
    return { user, refusal: resetRefusal(user) };
  }

  /** Run > Send password reset mail: no hourly limit (an administrator asks), audited. */
  async sendByAdmin(tenantId: TenantId, actor: SessionUser, userId: number, ip: string): Promise<ResetRefusal | undefined> {
    const { user, refusal } = await this.adminRefusal(tenantId, userId);
    if (refusal) return refusal;
    await this.em.transactional(async (em) => {
      await this.outbox.enqueue(em, [{ kind: PASSWORD_RESET_KIND, tenantId, refId: user.id, recipient: user.email! }]);
      await this.audit.record(
        { tenantId, event: 'password_reset_sent_by_admin', actor: { id: actor.id, login: actor.login }, target: { type: 'user', id: user.id }, ip },
        em,
      );
    });
    this.outbox.kick();
    return undefined;
  }

  /** Read only: opening the link (a mail scanner's GET or HEAD too) changes nothing. */
  async linkState(tenantId: TenantId, token: string): Promise<ResetLinkState> {
    const link = await this.links.check(tenantId, PASSWORD_RESET_LINK, token);
    if (link.status !== 'valid') return { kind: link.status };
    const user = await this.users.findContact(tenantId, link.subjectId);
    if (!user || !canLogIn(user.user_type) || user.deactivated) return { kind: 'revoked' };
    return { kind: 'valid', login: user.login, name: user.name, language: user.language, expiresAt: link.expiresAt };
  }

  /**
   * Sets the new password: the signup page's rules first (a refusal keeps the link), then in one
   * transaction the link is used up, the user's other reset links end, every session of the user
   * ends, and the account's failed-login count is cleared.
   */
  async reset(tenantId: TenantId, token: string, password: string, confirmPassword: string, ip: string): Promise<ResetResult> {
    const state = await this.linkState(tenantId, token);
    if (state.kind !== 'valid') return state;
    const errors = newPasswordErrors(password, confirmPassword, state);
    if (Object.keys(errors).length)
      return { kind: 'invalid', login: state.login, name: state.name, language: state.language, expiresAt: state.expiresAt, errors };
    const passwordHash = await hashPassword(password);
    const done = await this.em.transactional(async (em) => {
      const used = await this.links.use(em, tenantId, PASSWORD_RESET_LINK, token);
      if (!used) return undefined;
      await this.users.setPassword(tenantId, used.subjectId, passwordHash, em);
      await this.links.useUpOthers(em, tenantId, PASSWORD_RESET_LINK, used.subjectId, used.id);
      const sessions = await this.sessions.endAllOf(tenantId, used.subjectId, '', em);
      await this.audit.record(
        { tenantId, event: 'password_reset_done', target: { type: 'user', id: used.subjectId }, ip, details: { sessionsEnded: sessions } },
        em,
      );
      return used;
    });
    if (!done) return { kind: 'used' };
    await this.throttle.clearAccount(tenantId, state.login);
    return { kind: 'done', login: state.login };
  }
}

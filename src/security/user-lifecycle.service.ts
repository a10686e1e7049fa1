import type { TenantId } from '../tenancy/tenant-id.js';
import { Injectable, NotFoundException } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AuditService } from '../audit/audit.service.js';
import { PASSWORD_RESET_LINK } from '../auth/password-reset.composer.js';
import { SessionsRepository } from '../auth/sessions.repository.js';
import { TwoStepService } from '../auth/two-step.service.js';
import { LinksService } from '../links/links.service.js';
import type { SessionUser } from '../users/session-user.js';
import { InvitationsService } from '../invitations/invitations.service.js';
import { LAST_SECURITY_USER_MESSAGE, LastSecurityUserError } from '../users/users.service.js';
import { UsersRepository, type UserRecord } from '../users/users.repository.js';

export type LifecycleAction = 'deactivate' | 'reactivate';
export type LifecycleResult = { ok: true; notice: string } | { ok: false; error: string };

const NOT_YOURSELF_MESSAGE = 'You cannot deactivate yourself. Another administrator can do it.';
const RESET_YOURSELF_MESSAGE = 'You cannot reset your own two-step login here. Change it on My account.';
const NOTHING_TO_RESET_MESSAGE = 'This user has not set up two-step login.';
/** The action was done already (here, or by another administrator meanwhile). */
const ALREADY: Record<LifecycleAction, string> = { deactivate: 'This user is already deactivated.', reactivate: 'This user is active.' };

/**
 * Deactivating and reactivating users. Deactivation ends every session of the user at once (on every
 * app process: sessions live in PostgreSQL), kills their open invitation links, and is refused when
 * it would leave the instance without an active user who may use the Security module.
 */
@Injectable()
export class UserLifecycleService {
  constructor(
    private readonly em: EntityManager,
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
    private readonly invitations: InvitationsService,
    private readonly links: LinksService,
    private readonly audit: AuditService,
    private readonly twoStep: TwoStepService,
  ) {}

  async get(tenantId: TenantId, id: number): Promise<UserRecord> {
    const user = await this.users.findById(tenantId, id);
    if (!user) throw new NotFoundException();
    return user;
  }

  /** Why the action cannot be done on this user by this actor, before asking for confirmation. */
  refusal(actor: SessionUser, user: UserRecord, action: LifecycleAction): string | undefined {
    if (action === 'deactivate' && user.id === actor.id) return NOT_YOURSELF_MESSAGE;
    return user.deactivated === (action === 'deactivate') ? ALREADY[action] : undefined;
  }

  async run(tenantId: TenantId, actor: SessionUser, id: number, action: LifecycleAction, ip: string): Promise<LifecycleResult> {
    const user = await this.get(tenantId, id);
    const refusal = this.refusal(actor, user, action);
    const base = { tenantId, actor: { id: actor.id, login: actor.login }, target: { type: 'user', id }, ip };
    if (refusal) {
      await this.audit.record({ ...base, event: `user_${action}_refused`, details: { login: user.login, reason: refusal } });
      return { ok: false, error: refusal };
    }
    try {
      return await this.em.transactional(async (em) => {
        if (!(await this.users.setDeactivated(tenantId, id, action === 'deactivate', em))) {
          return { ok: false as const, error: ALREADY[action] };
        }
        if (action === 'reactivate') {
          await this.audit.record({ ...base, event: 'user_reactivated', details: { login: user.login } }, em);
          return { ok: true as const, notice: 'user-reactivated' };
        }
        if ((await this.users.countSecurityUsers(tenantId, em)) === 0) throw new LastSecurityUserError();
        const sessions = await this.sessions.endAllOf(tenantId, id, '', em);
        const links = (await this.invitations.revokeOpen(em, tenantId, id)) + (await this.links.revoke(em, tenantId, PASSWORD_RESET_LINK, [id]));
        await this.audit.record({ ...base, event: 'user_deactivated', details: { login: user.login, sessionsEnded: sessions, linksRevoked: links } }, em);
        return { ok: true as const, notice: 'user-deactivated' };
      });
    } catch (err) {
      if (!(err instanceof LastSecurityUserError)) throw err;
      await this.audit.record({ ...base, event: 'user_deactivate_refused', details: { login: user.login, reason: 'last_security_user' } });
      return { ok: false, error: LAST_SECURITY_USER_MESSAGE };
    }
  }

  /** Why Reset two-step login cannot be done on this user by this actor. */
  async resetRefusal(tenantId: TenantId, actor: SessionUser, user: UserRecord): Promise<string | undefined> {
    if (user.id === actor.id) return RESET_YOURSELF_MESSAGE;
    const factors = await this.twoStep.factorsOf(tenantId, user.id);
    return factors.totp || factors.passkeys ? undefined : NOTHING_TO_RESET_MESSAGE;
  }

  /**
   * Reset two-step login (a lost phone): the authenticator app, its recovery codes and every passkey
   * of the user go; they log in with their password alone until they set up a new one.
   */
  async resetTwoStep(tenantId: TenantId, actor: SessionUser, id: number, ip: string): Promise<LifecycleResult> {
    const user = await this.get(tenantId, id);
    const base = { tenantId, actor: { id: actor.id, login: actor.login }, target: { type: 'user', id }, ip };
    const refusal = await this.resetRefusal(tenantId, actor, user);
    if (refusal) {
      await this.audit.record({ ...base, event: 'user_two_step_reset_refused', details: { login: user.login, reason: refusal } });
      return { ok: false, error: refusal };
    }
    await this.em.transactional(async (em) => {
      const removed = await this.twoStep.resetAll(em, tenantId, id);
      await this.audit.record({ ...base, event: 'user_two_step_reset', details: { login: user.login, app: removed.totp, passkeys: removed.passkeys } }, em);
    });
    return { ok: true, notice: 'two-step-reset' };
  }
}

import { Injectable, NotFoundException } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { AppConfig } from '../config/app-config.js';
import { LinksService } from '../links/links.service.js';
import type { TenantId } from '../tenancy/tenant-id.js';
import { UsersService } from '../users/users.service.js';
import { INVITATION_LINK } from './invitation-mail.composer.js';
import type { Actor } from '../audit/audit.service.js';
import { InvitationsRepository } from './invitations.repository.js';

/** Run > Extend invitation: the link the invitee already has lives INVITATION_TTL_HOURS longer; no mail. */
@Injectable()
export class InvitationExtensionService {
  constructor(
    private readonly em: EntityManager,
    private readonly users: UsersService,
    private readonly links: LinksService,
    private readonly repo: InvitationsRepository,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** False when there is nothing to extend (never sent, not delivered yet, accepted or revoked). 404 for a user of another instance. */
  async extend(tenantId: TenantId, actor: Actor, userId: number, ip: string): Promise<boolean> {
    return this.em.transactional(async (em) => {
      if (!(await this.users.lock(em, tenantId, userId))) throw new NotFoundException();
      const extended = await this.repo.extend(em, tenantId, userId, this.config.invitationTtlHours * 3600, this.clock.now());
      if (!extended) return false;
      // The link the invitee has (and a reminder's) share the invitation's expiry.
      await this.links.extend(em, tenantId, INVITATION_LINK, userId, extended.after);
      await this.audit.record(
        {
          tenantId,
          event: 'invitation_extended',
          actor,
          target: { type: 'user', id: userId },
          ip,
          details: { invitationId: extended.id, expiresBefore: extended.before.toISOString(), expiresAfter: extended.after.toISOString() },
        },
        em,
      );
      return true;
    });
  }
}

import { Injectable, NotFoundException } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { AppConfig } from '../config/app-config.js';
import type { Actor } from './invitations.service.js';
import { InvitationsRepository } from './invitations.repository.js';
import { InvitationTimingRepository } from './invitation-timing.repository.js';

/** Run > Extend invitation: the link the invitee already has lives INVITATION_TTL_HOURS longer; no mail. */
@Injectable()
export class InvitationExtensionService {
  constructor(
    private readonly em: EntityManager,
    private readonly invitations: InvitationsRepository,
    private readonly timing: InvitationTimingRepository,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** False when there is nothing to extend (never sent, not delivered yet, accepted or revoked). 404 for a user of another instance. */
  async extend(tenantId: number, actor: Actor, userId: number, ip: string): Promise<boolean> {
    return this.em.transactional(async (em) => {
      if (!(await this.invitations.lockUser(em, tenantId, userId))) throw new NotFoundException();
      const extended = await this.timing.extend(em, tenantId, userId, this.config.invitationTtlHours * 3600, this.clock.now());
      if (!extended) return false;
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

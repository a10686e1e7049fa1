import { Module } from '@nestjs/common';
import { MailModule } from '../mail/mail.module.js';
import { InvitationDeliveryWorker } from './invitation-delivery.worker.js';
import { InvitationExtensionService } from './invitation-extension.service.js';
import { InvitationReminderWorker } from './invitation-reminder.worker.js';
import { InvitationTimingRepository } from './invitation-timing.repository.js';
import { InvitationsController } from './invitations.controller.js';
import { InvitationsRepository } from './invitations.repository.js';
import { InvitationsService } from './invitations.service.js';
import { SignupController } from './signup.controller.js';
import { SignupService } from './signup.service.js';

/** Invitations: sending (with the mail queue), the Create Account page, acceptance. */
@Module({
  imports: [MailModule],
  controllers: [InvitationsController, SignupController],
  providers: [
    InvitationReminderWorker,
    InvitationTimingRepository,
    InvitationExtensionService,
    InvitationsRepository,
    InvitationsService,
    SignupService,
    InvitationDeliveryWorker,
  ],
  exports: [InvitationsService],
})
export class InvitationsModule {}

import { Module } from '@nestjs/common';
import { MailComposers } from '../mail/mail-composer.js';
import { GroupsModule } from '../groups/groups.module.js';
import { UsersModule } from '../users/users.module.js';
import { InvitationExtensionService } from './invitation-extension.service.js';
import { InvitationMailComposer } from './invitation-mail.composer.js';
import { InvitationMails } from './invitation-mails.js';
import { InvitationReminderComposer } from './invitation-reminder.composer.js';
import { InvitationRemindersService } from './invitation-reminders.service.js';
import { InvitationViewsRepository } from './invitation-views.repository.js';
import { InvitationsRepository } from './invitations.repository.js';
import { InvitationsService } from './invitations.service.js';
import { SignupController } from './signup.controller.js';
import { SignupService } from './signup.service.js';

/** Invitations: sending (through the mail outbox, with their composer), reminders, the Create Account page, acceptance. */
@Module({
  imports: [UsersModule, GroupsModule],
  controllers: [SignupController],
  providers: [
    InvitationsRepository,
    InvitationViewsRepository,
    InvitationsService,
    SignupService,
    InvitationMails,
    InvitationMailComposer,
    InvitationExtensionService,
    InvitationRemindersService,
    InvitationReminderComposer,
  ],
  exports: [InvitationsService, InvitationExtensionService],
})
export class InvitationsModule {
  constructor(composers: MailComposers, invitation: InvitationMailComposer, reminder: InvitationReminderComposer) {
    composers.register(invitation);
    composers.register(reminder);
  }
}

import { Global, Module } from '@nestjs/common';
import { MailerModule } from '@nestjs-modules/mailer';
import { AppConfig } from '../config/app-config.js';
import { MailComposers } from './mail-composer.js';
import { MailDeliveryWorker } from './mail-delivery.worker.js';
import { mailerOptions } from './mail-options.js';
import { MailOutbox } from './mail-outbox.js';
import { MailService } from './mail.service.js';
import { OutboxRepository } from './outbox.repository.js';

/** The outbox of every message, its delivery worker, and the transport (SMTP_URL, or .eml files in DATA_DIR/mail). */
@Global()
@Module({
  imports: [MailerModule.forRootAsync({ imports: [], inject: [AppConfig], useFactory: (config: AppConfig) => mailerOptions(config) })],
  providers: [MailService, OutboxRepository, MailComposers, MailDeliveryWorker, MailOutbox],
  exports: [MailOutbox, MailComposers],
})
export class MailModule {}

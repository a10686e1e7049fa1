import { Module } from '@nestjs/common';
import { MailerModule } from '@nestjs-modules/mailer';
import { AppConfig } from '../config/app-config.js';
import { mailerOptions } from './mail-options.js';
import { MailService } from './mail.service.js';

/** Mail transport (SMTP_URL, or .eml files in DATA_DIR/mail) and templates. */
@Module({
  imports: [MailerModule.forRootAsync({ imports: [], inject: [AppConfig], useFactory: (config: AppConfig) => mailerOptions(config) })],
  providers: [MailService],
  exports: [MailService],
})
export class MailModule {}

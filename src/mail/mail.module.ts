import { Module } from '@nestjs/common';

/** Mail transport (SMTP_URL, or .eml files in DATA_DIR/mail) and templates. */
@Module({})
export class MailModule {}

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { MailerService } from '@nestjs-modules/mailer';
import { AppConfig } from '../config/app-config.js';
import type { MailAttachment } from './mail-layout.js';

export interface OutgoingMail {
  to: string;
  subject: string;
  html: string;
  text: string;
  attachments?: MailAttachment[];
  /** Logged only when there is no SMTP server (development), e.g. the link to open. */
  devNote?: string;
}

/** Sends one message through the configured transport; throws with the SMTP reason when it is refused. */
@Injectable()
export class MailService {
  private readonly logger = new Logger('Mail');

  constructor(
    private readonly mailer: MailerService,
    private readonly config: AppConfig,
  ) {}

  async send(mail: OutgoingMail): Promise<void> {
    const info = (await this.mailer.sendMail({
      from: this.config.mailFrom,
      to: mail.to,
      subject: mail.subject,
      html: mail.html,
      text: mail.text,
      attachments: mail.attachments,
    })) as {
      message?: Buffer;
    };
    if (this.config.smtpUrl) return;
    const file = this.writeEml(mail.to, info.message);
    this.logger.log(`No SMTP_URL: mail to ${mail.to} written to ${file}${mail.devNote ? `. ${mail.devNote}` : ''}`);
  }

  private writeEml(to: string, message: Buffer | undefined): string {
    const dir = join(this.config.dataDir, 'mail');
    mkdirSync(dir, { recursive: true });
    const safeTo = to.replace(/[^A-Za-z0-9@._-]/g, '_').slice(0, 100);
    const file = join(dir, `${new Date().toISOString().replace(/:/g, '-')}-${safeTo}.eml`);
    writeFileSync(file, message ?? Buffer.alloc(0), { mode: 0o600 });
    return file;
  }
}

/** A short, secret-free reason for an SMTP failure, as the administrator sees it. */
export function smtpReason(err: unknown, smtpUrl?: string): string {
  const e = err as { code?: string; responseCode?: number; response?: string; message?: string };
  let reason = (e.response || e.message || String(err)).replace(/\s+/g, ' ').trim();
  if (e.code && !reason.includes(e.code)) reason = `${e.code}: ${reason}`;
  if (smtpUrl) {
    try {
      const url = new URL(smtpUrl);
      for (const secret of [url.password, decodeURIComponent(url.password)].filter((s) => s.length >= 3)) reason = reason.split(secret).join('***');
    } catch {
      /* the URL was validated at boot */
    }
  }
  return reason.slice(0, 300);
}

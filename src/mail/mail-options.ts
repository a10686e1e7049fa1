import type { MailerOptions } from '@nestjs-modules/mailer';
import type { AppConfig } from '../config/app-config.js';

/** Pooled SMTP connections; the delivery worker keeps as many mails in flight. */
export const SMTP_CONNECTIONS = 4;

/**
 * SMTP_URL: a pooled SMTP transport with short timeouts, so a dead server fails fast and the
 * queue retries. Without it (development): nodemailer's stream transport, which builds the raw
 * message so MailService can write it to DATA_DIR/mail.
 */
export function mailerOptions(config: AppConfig): MailerOptions {
  const transport = config.smtpUrl
    ? { url: config.smtpUrl, pool: true, maxConnections: SMTP_CONNECTIONS, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 }
    : { streamTransport: true, buffer: true };
  // The mailer's option types are written against nodemailer 6; nodemailer 10 takes the same shapes.
  return { transport: transport as never, defaults: { from: config.mailFrom } as never };
}

import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from './test-app.js';

/**
 * A real SMTP server for tests (npm smtp-server, no TLS, no auth needed) that keeps every message
 * it accepts, parsed with mailparser. It can be stopped and started again on the same port to
 * play an SMTP outage.
 */
export class TestSmtp {
  readonly messages: ParsedMail[] = [];
  private server?: SMTPServer;
  private waiters: (() => void)[] = [];
  private held?: { gate: Promise<void>; arrived: () => void };

  private constructor(
    readonly port: number,
    private readonly beforeAccept?: (mail: ParsedMail) => Promise<void>,
  ) {}

  /**
   * A server on a free port; `listen: false` only reserves the port (the server is "down").
   * `beforeAccept` runs on each message before the server answers 250 (the sender still waits).
   */
  static async start(options: { listen?: boolean; beforeAccept?: (mail: ParsedMail) => Promise<void> } = {}): Promise<TestSmtp> {
    const smtp = new TestSmtp(await freePort(), options.beforeAccept);
    if (options.listen !== false) await smtp.listen();
    return smtp;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  get listening(): boolean {
    return !!this.server;
  }

  async listen(): Promise<void> {
    if (this.server) return;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      closeTimeout: 200,
      onData: (stream, _session, callback) => {
        simpleParser(stream)
          .then(async (mail) => {
            if (this.held) {
              this.held.arrived();
              await this.held.gate;
            }
            await this.beforeAccept?.(mail);
            this.messages.push(mail);
            callback();
            for (const wake of this.waiters.splice(0)) wake();
          })
          .catch((err: Error) => callback(err));
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    server.on('error', () => undefined);
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Holds back the answer to each message from now on (its sender waits for SMTP to accept it) until
   * `release` is called; `arrived` resolves when the first held message is in.
   */
  hold(): { arrived: Promise<void>; release: () => void } {
    let open!: () => void;
    let arrived!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const arrival = new Promise<void>((resolve) => (arrived = resolve));
    this.held = { gate, arrived };
    const release = () => {
      this.held = undefined;
      open();
    };
    return { arrived: arrival, release };
  }

  /** Resolves once `count` messages in all have arrived; fails after `timeoutMs`. */
  async waitFor(count: number, timeoutMs = 10_000): Promise<ParsedMail[]> {
    const until = Date.now() + timeoutMs;
    while (this.messages.length < count) {
      const left = until - Date.now();
      if (left <= 0) throw new Error(`expected ${count} mail(s), got ${this.messages.length} after ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.messages.slice(0, count);
  }

  /** Messages sent to one address. */
  to(address: string): ParsedMail[] {
    return this.messages.filter((m) =>
      JSON.stringify(m.to ?? '')
        .toLowerCase()
        .includes(address.toLowerCase()),
    );
  }
}

/**
 * A link of a mail's HTML part: a string `label` matches the text of an `<a>` exactly, a RegExp
 * matches its href (after unescaping).
 */
export function mailLink(mail: ParsedMail, label: string | RegExp): URL {
  const html = typeof mail.html === 'string' ? mail.html : '';
  const href = [...html.matchAll(/<a href="([^"]+)"[^>]*>([^<]*)(<\/a>)?/g)]
    .map(([, href, text, closed]) => ({ href: href.replace(/&amp;/g, '&').replace(/&#x3D;/g, '='), text: closed ? text : undefined }))
    .find((a) => (typeof label === 'string' ? a.text === label : label.test(a.href)))?.href;
  if (!href) throw new Error(`no ${String(label)} link in mail`);
  return new URL(href);
}

/** The Create Account link of a mail (from the HTML part's anchor). */
export function createAccountLink(mail: ParsedMail): URL {
  return mailLink(mail, 'Create Account');
}

import { tenantFactory, type TestTenant } from './factories.js';
import { login, type Agent } from './http.js';
import { TestSmtp } from './smtp.js';
import { createTestApp, type TestApp } from './test-app.js';

/** The real app with a real SMTP server, one instance, and its administrator logged in: where the specs that send mail start. */
export interface MailWorld {
  t: TestApp;
  smtp: TestSmtp;
  acme: TestTenant;
  admin: Agent;
  close(): Promise<void>;
}

export async function startMailWorld(
  options: { displayName?: string; env?: Record<string, string>; smtp?: Parameters<typeof TestSmtp.start>[0] } = {},
): Promise<MailWorld> {
  const smtp = await TestSmtp.start(options.smtp);
  const t = await createTestApp({ env: { SMTP_URL: smtp.url, ...options.env } });
  const acme = await tenantFactory(t, { displayName: options.displayName });
  const { agent: admin } = await login(t, acme.host, acme.admin.login, acme.admin.password);
  return {
    t,
    smtp,
    acme,
    admin,
    async close() {
      await t.close();
      await smtp.stop();
    },
  };
}

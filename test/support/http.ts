import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import type { TestApp } from './test-app.js';

export type Agent = TestAgent;

/** A cookie-keeping client for one instance host, like a browser tab. */
export function agentFor(t: TestApp, host: string): Agent {
  return request.agent(t.app.getHttpServer()).set('Host', host);
}

/** The `_csrf` value of the first form in a page. */
export function csrfOf(html: string): string {
  const match = html.match(/name="_csrf" value="([^"]+)"/);
  if (!match) throw new Error('no _csrf field in page');
  return match[1];
}

/** GET a page and POST one of its forms with the page's own CSRF token, as a browser would. */
export async function submitForm(agent: Agent, pagePath: string, action: string, fields: Record<string, string | string[]>) {
  const page = await agent.get(pagePath);
  return agent
    .post(action)
    .type('form')
    .send({ _csrf: csrfOf(page.text), ...fields });
}

/** Logs in through the real login form; returns the agent and the login response. */
export async function login(t: TestApp, host: string, loginName: string, password: string): Promise<{ agent: Agent; res: request.Response }> {
  const agent = agentFor(t, host);
  const res = await submitForm(agent, '/login', '/login', { login: loginName, password });
  return { agent, res };
}

/** Uploads a file on Import users (the page's CSRF token in the query, as its form does); returns the response. */
export async function uploadUsersCsv(agent: Agent, content: string | Buffer, name = 'users.csv') {
  const csrf = csrfOf((await agent.get('/security/users/import')).text);
  return agent.post(`/security/users/import?_csrf=${encodeURIComponent(csrf)}`).attach('file', Buffer.from(content), name);
}

/** Text as Handlebars escaped it, unescaped (attribute values, text nodes). */
export function unescapeHtml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&#x3D;/g, '=')
    .replace(/&#x60;/g, '`')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The language a page or mail declares (`<html lang>`). */
export function htmlLang(html: string): string | undefined {
  return /<html lang="([^"]+)"/.exec(html)?.[1];
}

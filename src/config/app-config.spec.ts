import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppConfig, ConfigError } from './app-config.js';

const env = (extra: Record<string, string>) => ({ DATA_DIR: mkdtempSync(join(tmpdir(), 'erp-config-')), ...extra });

describe('AppConfig: BASE_URL and PORT', () => {
  it('makes the default BASE_URL follow PORT', () => {
    const config = new AppConfig(env({ PORT: '3100' }));
    expect(config.baseUrl.origin).toBe('http://localhost:3100');
    expect(config.tenantOrigin('demo')).toBe('http://demo.localhost:3100');
    expect(config.baseUrlPort).toBe(3100);
  });

  it('keeps 3000 when neither is set, and an explicit BASE_URL whatever PORT says', () => {
    expect(new AppConfig(env({})).baseUrl.origin).toBe('http://localhost:3000');
    const config = new AppConfig(env({ PORT: '3100', BASE_URL: 'http://localhost:3000' }));
    expect(config.baseUrl.origin).toBe('http://localhost:3000');
    expect(config.baseUrlPort).not.toBe(config.port);
    expect(new AppConfig(env({ BASE_URL: 'https://my.erp.net' })).baseUrlPort).toBe(443);
  });

  it('knows whether DATA_DIR was chosen', () => {
    expect(new AppConfig(env({})).dataDirChosen).toBe(true);
    expect(new AppConfig({ SESSION_SECRET: 'x'.repeat(40) }).dataDirChosen).toBe(false);
  });
});

const base = { SESSION_SECRET: 'x'.repeat(40), DATA_DIR: '/nonexistent/erp-config-spec' };
const config = (env: Record<string, string>) => new AppConfig({ ...base, ...env });

describe('database timeouts', () => {
  it('has bounded defaults', () => {
    expect(config({}).database).toEqual({
      connectTimeoutMs: 5000,
      statementTimeoutMs: 10_000,
      lockTimeoutMs: 5000,
      idleInTransactionTimeoutMs: 60_000,
      startTimeoutSeconds: 60,
    });
  });

  it('reads each variable', () => {
    const db = config({
      DATABASE_CONNECT_TIMEOUT_MS: '700',
      DATABASE_STATEMENT_TIMEOUT_MS: '1500',
      DATABASE_LOCK_TIMEOUT_MS: '400',
      DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '2000',
      DATABASE_START_TIMEOUT_SECONDS: '0',
    }).database;
    expect(db).toEqual({ connectTimeoutMs: 700, statementTimeoutMs: 1500, lockTimeoutMs: 400, idleInTransactionTimeoutMs: 2000, startTimeoutSeconds: 0 });
  });

  it.each([
    ['DATABASE_CONNECT_TIMEOUT_MS', 'soon', /DATABASE_CONNECT_TIMEOUT_MS must be a whole number/],
    ['DATABASE_STATEMENT_TIMEOUT_MS', '0', /DATABASE_STATEMENT_TIMEOUT_MS must be between 100 and/],
    ['DATABASE_LOCK_TIMEOUT_MS', '-5', /DATABASE_LOCK_TIMEOUT_MS must be a whole number/],
    ['DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS', '10', /DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS must be between 1000 and/],
    ['DATABASE_START_TIMEOUT_SECONDS', '99999', /DATABASE_START_TIMEOUT_SECONDS must be between 0 and 3600/],
  ])('refuses a bad %s with a message naming it', (name, value, message) => {
    expect(() => config({ [name]: value })).toThrow(ConfigError);
    expect(() => config({ [name]: value })).toThrow(message);
  });
});

describe('invitation lifetime and reminder', () => {
  it('takes fractional hours, a reminder of 0 turns reminders off, and the default reminder gives way to a short lifetime', () => {
    expect(config({})).toMatchObject({ invitationTtlHours: 72, invitationReminderHours: 24 });
    expect(config({ INVITATION_TTL_HOURS: '1.5', INVITATION_REMINDER_HOURS: '0.5' })).toMatchObject({ invitationTtlHours: 1.5, invitationReminderHours: 0.5 });
    expect(config({ INVITATION_REMINDER_HOURS: '0' }).invitationReminderHours).toBe(0);
    expect(config({ INVITATION_TTL_HOURS: '12' }).invitationReminderHours).toBe(4);
  });

  it('stops the start with a line naming the variable', () => {
    expect(() => config({ INVITATION_TTL_HOURS: '48', INVITATION_REMINDER_HOURS: '48' })).toThrow(
      new ConfigError('INVITATION_REMINDER_HOURS must be less than INVITATION_TTL_HOURS (48), or 0 to turn reminders off'),
    );
    expect(() => config({ INVITATION_REMINDER_HOURS: '-1' })).toThrow(/INVITATION_REMINDER_HOURS must be a number of hours/);
    expect(() => config({ INVITATION_TTL_HOURS: '1e3' })).toThrow(/INVITATION_TTL_HOURS must be a number of hours/);
    expect(() => config({ INVITATION_TTL_HOURS: '0' })).toThrow(/INVITATION_TTL_HOURS must be between/);
  });
});

import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';

/** Thrown for a bad environment variable; main prints its message as the one line that stops the start. */
export class ConfigError extends Error {}

/** Limits that keep every request bounded while the database is unreachable or stalled. */
export interface DatabaseTimeouts {
  /** Opening a connection, or waiting for a free one in a pool. */
  connectTimeoutMs: number;
  /** PostgreSQL `statement_timeout` for the app's queries (not migrations). */
  statementTimeoutMs: number;
  /** PostgreSQL `lock_timeout`: how long a query waits for a lock another session holds. */
  lockTimeoutMs: number;
  /** PostgreSQL `idle_in_transaction_session_timeout`. */
  idleInTransactionTimeoutMs: number;
  /** How long the start waits for an unreachable database, retrying with backoff, before it gives up. */
  startTimeoutSeconds: number;
}

/** Everything the app reads from the environment, validated once at boot. */
export class AppConfig {
  readonly production: boolean;
  readonly port: number;
  /** Origin whose host is the base of all tenant hosts, e.g. http://localhost:3000 */
  readonly baseUrl: URL;
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  /** DATA_DIR was set: the embedded database must live there, or the start stops with a message. */
  readonly dataDirChosen: boolean;
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string;
  readonly sessionSecret: string;
  /** May be a fraction of an hour (0.5 = 30 minutes). */
  readonly invitationTtlHours: number;
  /** A reminder goes this long before an unaccepted invitation expires; 0: no reminders. */
  readonly invitationReminderHours: number;
  /** Lifetime of a Reset password link. */
  readonly passwordResetTtlMinutes: number;
  readonly seedDemo: boolean;
  readonly trustProxy: boolean;
  readonly sessionIdleMinutes: number;
  readonly sessionAbsoluteHours: number;
  readonly mailPollMs: number;
  /** How long a claimed mail job stays with its process; after that another process may take it (a crashed sender). */
  readonly mailLeaseSeconds: number;
  /** One log line per request (always in production). */
  readonly logRequests: boolean;
  readonly database: DatabaseTimeouts;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.production = env.NODE_ENV === 'production';
    // Checked first: in production a missing secret is the one thing to fix, whatever else is unset.
    if (this.production && !env.SESSION_SECRET) fail('SESSION_SECRET', 'is required when NODE_ENV=production');
    this.port = intVar(env, 'PORT', 3000, 0, 65535);
    // Without BASE_URL, links and the Origin check follow PORT (PORT=3100 means http://localhost:3100).
    this.baseUrl = baseUrlVar(env, this.production, this.port);
    this.databaseUrl = urlVar(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
    this.dataDir = resolve(env.DATA_DIR || './.data');
    this.dataDirChosen = Boolean(env.DATA_DIR);
    this.smtpUrl = urlVar(env, 'SMTP_URL', ['smtp:', 'smtps:']);
    this.mailFrom = emailVar(env, 'MAIL_FROM', 'notification@erpnet.info');
    this.invitationTtlHours = hoursVar(env, 'INVITATION_TTL_HOURS', 72, 1 / 60, 24 * 30);
    this.invitationReminderHours = hoursVar(env, 'INVITATION_REMINDER_HOURS', 24, 0, 24 * 30);
    if (this.invitationReminderHours >= this.invitationTtlHours) {
      // The default reminder (24) gives way to a short lifetime rather than stopping the start.
      if (env.INVITATION_REMINDER_HOURS) {
        fail('INVITATION_REMINDER_HOURS', `must be less than INVITATION_TTL_HOURS (${this.invitationTtlHours}), or 0 to turn reminders off`);
      }
      this.invitationReminderHours = this.invitationTtlHours / 3;
    }
    this.passwordResetTtlMinutes = intVar(env, 'PASSWORD_RESET_TTL_MINUTES', 60, 5, 24 * 60);
    this.seedDemo = boolVar(env, 'SEED_DEMO', !this.production);
    this.trustProxy = boolVar(env, 'TRUST_PROXY', false);
    this.sessionIdleMinutes = intVar(env, 'SESSION_IDLE_MINUTES', 30, 1, 24 * 60);
    this.sessionAbsoluteHours = intVar(env, 'SESSION_ABSOLUTE_HOURS', 8, 1, 24 * 30);
    this.mailPollMs = intVar(env, 'MAIL_POLL_MS', 1000, 50, 60_000);
    this.mailLeaseSeconds = intVar(env, 'MAIL_LEASE_SECONDS', 120, 5, 3600);
    this.logRequests = boolVar(env, 'LOG_REQUESTS', this.production);
    this.database = {
      connectTimeoutMs: intVar(env, 'DATABASE_CONNECT_TIMEOUT_MS', 5000, 100, 600_000),
      statementTimeoutMs: intVar(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 10_000, 100, 3_600_000),
      lockTimeoutMs: intVar(env, 'DATABASE_LOCK_TIMEOUT_MS', 5000, 100, 3_600_000),
      idleInTransactionTimeoutMs: intVar(env, 'DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS', 60_000, 1000, 3_600_000),
      startTimeoutSeconds: intVar(env, 'DATABASE_START_TIMEOUT_SECONDS', 60, 0, 3600),
    };
    this.sessionSecret = this.resolveSessionSecret(env);
  }

  /** The base host tenants hang under, without port: `localhost`, `my.erp.net`. */
  get baseHost(): string {
    return this.baseUrl.hostname;
  }

  /** Origin of one instance, built from BASE_URL only: http://acme.localhost:3000 */
  tenantOrigin(name: string): string {
    const port = this.baseUrl.port ? `:${this.baseUrl.port}` : '';
    return `${this.baseUrl.protocol}//${name}.${this.baseUrl.hostname}${port}`;
  }

  /** Host of one instance as people name it (no port): acme.my.erp.net */
  tenantHost(name: string): string {
    return `${name}.${this.baseUrl.hostname}`;
  }

  /** The port BASE_URL names, or its scheme's default. */
  get baseUrlPort(): number {
    return Number(this.baseUrl.port) || (this.baseUrl.protocol === 'https:' ? 443 : 80);
  }

  get secureCookies(): boolean {
    return this.trustProxy || this.baseUrl.protocol === 'https:';
  }

  private resolveSessionSecret(env: NodeJS.ProcessEnv): string {
    const given = env.SESSION_SECRET;
    if (given) {
      if (given.length < 32) fail('SESSION_SECRET', 'must be at least 32 characters');
      return given;
    }
    if (this.production) fail('SESSION_SECRET', 'is required when NODE_ENV=production');
    // Development: generate once and keep it beside the data so sessions survive restarts.
    const file = join(this.dataDir, 'session-secret');
    try {
      return readFileSync(file, 'utf8').trim();
    } catch {
      const secret = randomBytes(32).toString('base64url');
      try {
        mkdirSync(this.dataDir, { recursive: true });
        writeFileSync(file, secret + '\n', { mode: 0o600 });
      } catch (err) {
        fail(
          'DATA_DIR',
          `must be a folder this user can write (${this.dataDir}: ${(err as NodeJS.ErrnoException).code}), or set SESSION_SECRET and DATABASE_URL`,
        );
      }
      return secret;
    }
  }
}

function fail(name: string, problem: string): never {
  throw new ConfigError(`${name} ${problem}`);
}

function intVar(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) fail(name, `must be a whole number (got "${raw}")`);
  const value = Number(raw);
  if (value < min || value > max) fail(name, `must be between ${min} and ${max} (got ${value})`);
  return value;
}

/** Hours, whole or fractional (`0.5`, `1.25`), between `min` and `max`; 0 is always allowed when `min` is 0. */
function hoursVar(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+(\.\d+)?$/.test(raw)) fail(name, `must be a number of hours, like 24 or 0.5 (got "${raw}")`);
  const value = Number(raw);
  if (value < min || value > max) fail(name, `must be between ${+min.toFixed(4)} and ${max} hours (got ${value})`);
  return value;
}

function boolVar(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  fail(name, `must be true or false (got "${env[name]}")`);
}

function parseUrl(name: string, raw: string, protocols: string[]): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    fail(name, `is not a valid URL (got "${raw}")`);
  }
  if (!protocols.includes(url.protocol)) {
    fail(name, `must start with ${protocols.map((p) => p + '//').join(' or ')} (got "${url.protocol}//")`);
  }
  return url;
}

function urlVar(env: NodeJS.ProcessEnv, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  parseUrl(name, raw, protocols);
  return raw;
}

function emailVar(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name] || fallback;
  if (!/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(raw)) fail(name, `must be an email address (got "${raw}")`);
  return raw;
}

function baseUrlVar(env: NodeJS.ProcessEnv, production: boolean, port: number): URL {
  const url = parseUrl('BASE_URL', env.BASE_URL || `http://localhost:${port || 3000}`, ['http:', 'https:']);
  if (url.pathname !== '/' || url.search || url.hash || url.username) {
    fail('BASE_URL', `must be an origin only, like https://my.erp.net (got "${env.BASE_URL}")`);
  }
  if (isIP(url.hostname.replace(/^\[|\]$/g, ''))) {
    fail('BASE_URL', 'must use a host name, not an IP address, since instances live on sub-domains of it');
  }
  if (production) {
    if (url.protocol !== 'https:') fail('BASE_URL', 'must use https when NODE_ENV=production');
    if (url.hostname === 'localhost' || url.hostname.endsWith('.localhost') || !url.hostname.includes('.')) {
      fail('BASE_URL', `must be a public host name when NODE_ENV=production (got "${url.hostname}")`);
    }
  }
  return url;
}

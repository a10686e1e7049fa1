import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/common/paths.js';

/**
 * The house of ../shared/design/ARCHITECTURE.md, read from the source: which part imports which,
 * where SQL lives, who writes each table, who makes a TenantId, and how long a file may grow.
 */
const SRC = join(PROJECT_ROOT, 'src');

/** common, config and database are the foundation every part stands on; the table gives the arrows between parts. */
const FOUNDATION = ['common', 'config', 'database'];
const FEATURES_BELOW_SECURITY = ['account', 'auth', 'invitations', 'instances', 'users', 'roles', 'groups', 'links', 'mail', 'audit', 'tenancy'];
const MAY_IMPORT: Record<string, string[]> = {
  app: ['*'],
  cli: ['instances', 'database', 'config'],
  security: [...FEATURES_BELOW_SECURITY, ...FOUNDATION],
  account: ['auth', 'users', 'links', 'mail', 'tenancy', ...FOUNDATION],
  auth: ['users', 'roles', 'links', 'mail', 'audit', 'tenancy', ...FOUNDATION],
  invitations: ['users', 'roles', 'groups', 'links', 'mail', 'audit', 'tenancy', ...FOUNDATION],
  instances: ['users', 'roles', 'groups', 'audit', 'tenancy', ...FOUNDATION],
  users: ['roles', 'groups', 'audit', 'tenancy', ...FOUNDATION],
  roles: ['audit', 'tenancy', ...FOUNDATION],
  groups: ['audit', 'tenancy', ...FOUNDATION],
  links: ['tenancy', ...FOUNDATION],
  // The outbox belongs to an instance (a foreign key to tenant) and hands composers a TenantId:
  // tenancy is the one part below config it reads. It still knows no feature.
  mail: ['tenancy', ...FOUNDATION],
  audit: ['tenancy', ...FOUNDATION],
  tenancy: FOUNDATION,
  // Readiness probes (not in the table; issue 17 owns them): the foundation only.
  health: FOUNDATION,
  database: ['config'],
  config: [],
  common: [],
};

/** Every table and the one repository that writes it. */
const TABLE_OWNERS: Record<string, string> = {
  tenant: 'tenancy/tenants.repository.ts',
  app_user: 'users/users.repository.ts',
  role: 'roles/roles.repository.ts',
  user_role: 'roles/roles.repository.ts',
  user_group: 'groups/groups.repository.ts',
  group_member: 'groups/groups.repository.ts',
  invitation: 'invitations/invitations.repository.ts',
  mail_outbox: 'mail/outbox.repository.ts',
  one_time_link: 'links/links.repository.ts',
  audit_event: 'audit/audit.repository.ts',
  import_job: 'security/import/import-jobs.repository.ts',
  import_row: 'security/import/import-jobs.repository.ts',
  login_throttle: 'auth/login-throttle.repository.ts',
  user_totp: 'auth/two-step.repository.ts',
  recovery_code: 'auth/two-step.repository.ts',
  passkey: 'auth/passkeys.repository.ts',
  tenant_settings: 'tenancy/tenant-settings.repository.ts',
  // The session store (PgSessionStore) writes the rows, and SessionsRepository ends a user's sessions.
  session: 'auth/sessions.repository.ts',
  user_count: 'users/users.repository.ts',
};

/** SQL outside a repository, by file, with the reason. */
const SQL_EXCEPTIONS: Record<string, string> = {
  'health/health.controller.ts': "readiness probe's `select 1` (database fault handling is issue 17's)",
};

const MAX_LINES = 250;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

const files = sourceFiles(SRC).map((path) => ({ path, rel: relative(SRC, path).split(sep).join('/'), text: readFileSync(path, 'utf8') }));
const production = files.filter((f) => !f.rel.endsWith('.spec.ts'));

function partOf(rel: string): string {
  return rel.includes('/') ? rel.slice(0, rel.indexOf('/')) : 'app';
}

function importsOf(file: { path: string; text: string }): string[] {
  const specifiers = [...file.text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]);
  return specifiers
    .map((s) =>
      relative(SRC, resolve(dirname(file.path), s))
        .split(sep)
        .join('/'),
    )
    .filter((rel) => !rel.startsWith('..'));
}

/** String literals and template literals of a file (comments are not SQL). */
function literals(text: string): string[] {
  return [...text.matchAll(/'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g)].map((m) => m[0]);
}

const SQL = /^\W*(select\s+[\w*(]|insert\s+into\s|update\s+"?\w+"?\s+(as\s+\w+\s+)?set\s|delete\s+from\s|with\s+\w+\s+as\s*\()/i;
const WRITE = /\b(?:insert\s+into\s+"?(\w+)|update\s+"?(\w+)"?(?:\s+as\s+\w+)?\s+set\b|delete\s+from\s+"?(\w+))/gi;

describe('the house: parts, arrows and owners (ARCHITECTURE.md)', () => {
  it('knows every part of src/', () => {
    const unknown = [...new Set(production.map((f) => partOf(f.rel)))].filter((p) => !(p in MAY_IMPORT));
    expect(unknown).toEqual([]);
  });

  it('no file imports across the rules', () => {
    const broken: string[] = [];
    for (const file of production) {
      const from = partOf(file.rel);
      const allowed = MAY_IMPORT[from];
      if (allowed.includes('*')) continue;
      for (const target of importsOf(file)) {
        const to = partOf(target);
        if (to !== from && !allowed.includes(to)) broken.push(`${file.rel} -> ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('the rule reader sees imports, so the rules above are not passing for want of reading', () => {
    const worker = production.find((f) => f.rel === 'mail/mail-delivery.worker.ts')!;
    expect(importsOf(worker)).toContain('mail/mail-composer.js');
    const composer = production.find((f) => f.rel === 'invitations/invitation-mail.composer.ts')!;
    expect(importsOf(composer).map(partOf)).toEqual(expect.arrayContaining(['mail', 'links', 'audit']));
    const mails = production.find((f) => f.rel === 'invitations/invitation-mails.ts')!;
    expect(importsOf(mails).map(partOf)).toEqual(expect.arrayContaining(['mail', 'tenancy', 'common', 'config']));
  });

  it('SQL text lives only in repositories and database/', () => {
    const outside = production
      .filter((f) => !f.rel.endsWith('.repository.ts') && !f.rel.startsWith('database/') && !(f.rel in SQL_EXCEPTIONS))
      .flatMap((f) =>
        literals(f.text)
          .filter((l) => SQL.test(l.slice(1)))
          .map((l) => `${f.rel}: ${l.slice(0, 60)}`),
      );
    expect(outside).toEqual([]);
  });

  it('each table is written by its one owner', () => {
    const wrongWriters: string[] = [];
    for (const file of production.filter((f) => f.rel.endsWith('.repository.ts'))) {
      for (const literal of literals(file.text).filter((l) => SQL.test(l.slice(1)))) {
        for (const match of literal.matchAll(WRITE)) {
          const table = match[1] ?? match[2] ?? match[3];
          const owner = TABLE_OWNERS[table.toLowerCase()];
          if (owner !== file.rel) wrongWriters.push(`${file.rel} writes ${table} (owner: ${owner ?? 'none'})`);
        }
      }
    }
    expect(wrongWriters).toEqual([]);
  });

  it('a TenantId is made only from the database, by a repository (the tenant middleware gets it through the lookup)', () => {
    const makers = production.filter((f) => /tenantIdFromDatabase\(/.test(f.text) && !f.rel.endsWith('.repository.ts') && f.rel !== 'tenancy/tenant-id.ts');
    const casts = production.filter((f) => /\bas\s+TenantId\b|<TenantId>\s*[\w(]/.test(f.text) && f.rel !== 'tenancy/tenant-id.ts');
    expect(makers.map((f) => f.rel)).toEqual([]);
    expect(casts.map((f) => f.rel)).toEqual([]);
  });

  it(`no source file is over ${MAX_LINES} lines`, () => {
    const long = files.map((f) => ({ rel: f.rel, lines: f.text.split('\n').length - (f.text.endsWith('\n') ? 1 : 0) })).filter((f) => f.lines > MAX_LINES);
    expect(long).toEqual([]);
  });
});

import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ormConfig } from '../src/database/orm-config.js';
import { migrate } from '../src/database/database.js';
import { hashLinkToken, newLinkToken } from '../src/links/link-token.js';
import { emptyDatabase } from './support/test-app.js';

/** Data written under the first schema (invitations were the mail queue) carries over to the outbox and one-time links. */
describe('migration to the mail outbox and one-time links', () => {
  let db: pg.Pool | undefined;
  afterAll(async () => {
    await db?.end();
  });

  it('moves due jobs with their attempts and lease, and keeps every stored link meaning what it meant', async () => {
    const url = await emptyDatabase();
    const orm = await MikroORM.init(ormConfig(url, { pool: { min: 0, max: 1 } }));
    await orm.getMigrator().up({ to: 'Migration20261124000000' });
    await orm.close(true);

    db = new pg.Pool({ connectionString: url, max: 2 });
    const tenant = (await db.query<{ id: number }>(`insert into tenant (name, display_name) values ('acme', 'Acme') returning id`)).rows[0].id;
    const user = async (login: string) =>
      (
        await db!.query<{ id: number }>(
          `insert into app_user (tenant_id, login, name, email, user_type) values ($1, $2, $2, $3, 'Invitation Internal (No login)') returning id`,
          [tenant, login, `${login}@example.com`],
        )
      ).rows[0].id;
    const [queued, sending, failed, sent, accepted, resent] = [
      await user('q'),
      await user('s'),
      await user('f'),
      await user('ok'),
      await user('a'),
      await user('r'),
    ];
    const tokens = { sent: newLinkToken(), accepted: newLinkToken(), replaced: newLinkToken(), current: newLinkToken() };
    const invite = (userId: number, status: string, extra: Record<string, unknown> = {}) => {
      const columns = ['tenant_id', 'user_id', 'status', ...Object.keys(extra)];
      const values = [tenant, userId, status, ...Object.values(extra)];
      return db!.query(`insert into invitation (${columns.join(', ')}) values (${values.map((_, i) => `$${i + 1}`).join(', ')})`, values);
    };
    const inAnHour = new Date(Date.now() + 3_600_000);
    await invite(queued, 'queued');
    await invite(sending, 'sending', { attempts: 2, locked_until: inAnHour, last_error: 'ECONNREFUSED' });
    await invite(failed, 'failed', { attempts: 3, last_error: '421 try later', next_attempt_at: inAnHour });
    await invite(sent, 'sent', { token_hash: hashLinkToken(tokens.sent), expires_at: inAnHour, sent_at: new Date() });
    await invite(accepted, 'accepted', { token_hash: hashLinkToken(tokens.accepted), expires_at: inAnHour, sent_at: new Date(), accepted_at: new Date() });
    await invite(resent, 'revoked', { token_hash: hashLinkToken(tokens.replaced), expires_at: inAnHour, sent_at: new Date(), revoked_at: new Date() });
    await invite(resent, 'sent', { token_hash: hashLinkToken(tokens.current), expires_at: inAnHour, sent_at: new Date() });

    await migrate(url);

    const outbox = await db.query(
      `select i.user_id, o.state, o.attempts, o.last_error, o.locked_until is not null as leased, o.recipient
       from mail_outbox o join invitation i on o.kind = 'invitation' and o.ref_id = i.id order by i.id`,
    );
    expect(outbox.rows).toEqual([
      { user_id: queued, state: 'queued', attempts: 0, last_error: null, leased: false, recipient: 'q@example.com' },
      { user_id: sending, state: 'sending', attempts: 2, last_error: 'ECONNREFUSED', leased: true, recipient: 's@example.com' },
      { user_id: failed, state: 'failed', attempts: 3, last_error: '421 try later', leased: false, recipient: 'f@example.com' },
      { user_id: sent, state: 'sent', attempts: 0, last_error: null, leased: false, recipient: 'ok@example.com' },
      { user_id: accepted, state: 'sent', attempts: 0, last_error: null, leased: false, recipient: 'a@example.com' },
      { user_id: resent, state: 'sent', attempts: 0, last_error: null, leased: false, recipient: 'r@example.com' },
      { user_id: resent, state: 'sent', attempts: 0, last_error: null, leased: false, recipient: 'r@example.com' },
    ]);
    const links = await db.query(`select token_hash, subject_id, state, purpose from one_time_link order by id`);
    expect(links.rows).toEqual([
      { token_hash: hashLinkToken(tokens.sent), subject_id: sent, state: 'valid', purpose: 'invitation' },
      { token_hash: hashLinkToken(tokens.accepted), subject_id: accepted, state: 'used', purpose: 'invitation' },
      { token_hash: hashLinkToken(tokens.replaced), subject_id: resent, state: 'replaced', purpose: 'invitation' },
      { token_hash: hashLinkToken(tokens.current), subject_id: resent, state: 'valid', purpose: 'invitation' },
    ]);
    const invitations = await db.query(`select status, last_error from invitation order by id`);
    expect(invitations.rows.map((r) => r.status)).toEqual(['queued', 'sending', 'failed', 'sent', 'accepted', 'revoked', 'sent']);
    const columns = await db.query(
      `select column_name from information_schema.columns where table_name = 'invitation' and column_name in ('token_hash', 'attempts', 'locked_until', 'next_attempt_at')`,
    );
    expect(columns.rowCount).toBe(0);
  });
});

import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import session from 'express-session';
import type { SessionData } from 'express-session';
import type pg from 'pg';
import { sql, sqlOne } from '../database/sql.js';
import { tenantIdFromDatabase, type TenantId } from '../tenancy/tenant-id.js';
import type { SessionUser } from '../users/session-user.js';

/**
 * Where the store puts the user it read together with the session: a symbol key on the passport
 * principal, so JSON (what is saved, and what express-session compares to decide whether to save)
 * never sees it. `null`: the session's user is gone.
 */
export const PRELOADED_USER = Symbol('preloadedUser');

interface UserRow {
  user_id: number | null;
  tenant_id: number | null;
  login: string;
  name: string;
  user_type: string;
  language: string | null;
  role_count: number;
  permissions: string[];
}

type SessionRow = UserRow & { sess: SessionData };

/** A user as a request sees it: what their roles allow (deactivated users are nobody). */
const USER = `u.tenant_id, u.login, u.name, u.user_type, u.language,
       (select count(*)::int from user_role ur where ur.tenant_id = u.tenant_id and ur.user_id = u.id) as role_count,
       coalesce((select array_agg(distinct p) from user_role ur
                 join role r on r.tenant_id = ur.tenant_id and r.id = ur.role_id
                 cross join unnest(r.permissions) p
                 where ur.tenant_id = u.tenant_id and ur.user_id = u.id), '{}') as permissions`;

/**
 * The session and, in the same statement, its user with their roles' permissions: a logged-in page
 * view costs one round trip before the page's own query, and a role change, a removed or deactivated
 * user or an ended session applies to the very next request on every process (nothing is cached).
 */
const GET = `select s.sess, s.user_id, ${USER}
  from session s
  left join app_user u on u.tenant_id = s.tenant_id and u.id = s.user_id and u.deactivated_at is null
  where s.tenant_id = $1 and s.sid = $2 and s.expire >= now()`;

const SET = `insert into session (tenant_id, sid, sess, expire, user_id) values ($1, $2, $3, to_timestamp($4), $5)
  on conflict (tenant_id, sid) do update set sess = excluded.sess, expire = excluded.expire, user_id = excluded.user_id`;

/** The session ids this app makes: `<tenant id>.<random>`; anything else is no session of ours. */
function tenantOf(sid: string): number | undefined {
  const m = /^(\d{1,9})\./.exec(sid);
  return m ? Number(m[1]) : undefined;
}

/**
 * express-session store on the `session` table, keyed (tenant_id, sid) so the table can be
 * distributed by tenant. It also records the session's user (user_id), so every session of a user
 * can be found and ended.
 */
export class PgSessionStore extends session.Store {
  private readonly pruneTimer: NodeJS.Timeout;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: { ttlSeconds: number; pruneSeconds: number; errorLog?: (message: string, err: unknown) => void },
  ) {
    super();
    this.pruneTimer = setInterval(() => void this.prune(), options.pruneSeconds * 1000);
    this.pruneTimer.unref();
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    const tenantId = tenantOf(sid);
    if (tenantId === undefined) return callback(null, null);
    this.pool.query<SessionRow>(GET, [tenantId, sid]).then(({ rows: [row] }) => {
      if (!row) return callback(null, null);
      const principal = row.sess.passport?.user as Record<symbol, unknown> | undefined;
      if (principal && typeof principal === 'object') principal[PRELOADED_USER] = toSessionUser(row);
      callback(null, row.sess);
    }, callback);
  }

  override set(sid: string, sess: SessionData, callback?: (err?: unknown) => void): void {
    const tenantId = tenantOf(sid);
    if (tenantId === undefined) return callback?.(new Error('session id without a tenant'));
    const expires = sess.cookie?.expires ? new Date(sess.cookie.expires).getTime() : Date.now() + this.options.ttlSeconds * 1000;
    const userId = (sess.passport?.user as { id?: unknown } | undefined)?.id;
    this.pool
      .query(SET, [tenantId, sid, JSON.stringify(sess), Math.round(expires / 1000), typeof userId === 'number' ? userId : null])
      .then(() => callback?.(), callback);
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    const tenantId = tenantOf(sid);
    if (tenantId === undefined) return callback?.();
    this.pool.query('delete from session where tenant_id = $1 and sid = $2', [tenantId, sid]).then(() => callback?.(), callback);
  }

  /** Deletes expired sessions (their rows are never read again). */
  async prune(): Promise<void> {
    try {
      await this.pool.query('delete from session where expire < now()');
    } catch (err) {
      this.options.errorLog?.('Pruning expired sessions failed', err);
    }
  }

  close(): void {
    clearInterval(this.pruneTimer);
  }
}

function toSessionUser(row: UserRow): SessionUser | null {
  if (row.user_id === null || row.tenant_id === null) return null;
  return {
    id: row.user_id,
    tenantId: tenantIdFromDatabase(row.tenant_id),
    login: row.login,
    name: row.name,
    userType: row.user_type,
    language: row.language,
    roleCount: row.role_count,
    permissions: row.permissions,
  };
}

/**
 * The session table (express-session rows, ids prefixed with the tenant id). Deleting a row ends that
 * session on every app process at once: each request reads its session from PostgreSQL.
 */
@Injectable()
export class SessionsRepository {
  constructor(private readonly em: EntityManager) {}

  /** The user a session stands for, read as the store reads it (at login, and when the store did not). */
  async findSessionUser(tenantId: TenantId, id: number): Promise<SessionUser | undefined> {
    const row = await sqlOne<UserRow>(
      this.em,
      `select u.id as user_id, ${USER} from app_user u where u.tenant_id = ? and u.id = ? and u.deactivated_at is null`,
      [tenantId, id],
    );
    return (row && toSessionUser(row)) ?? undefined;
  }

  /** Ends every session of a user but `exceptSid` (the one in use, when the user themself asks); returns how many ended. */
  async endAllOf(tenantId: TenantId, userId: number, exceptSid = '', em: EntityManager = this.em): Promise<number> {
    const rows = await sql(em, 'delete from session where tenant_id = ? and user_id = ? and sid <> ? returning sid', [tenantId, userId, exceptSid]);
    return rows.length;
  }
}

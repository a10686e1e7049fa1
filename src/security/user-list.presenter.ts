import { MAX_ID } from '../common/id-param.js';
import { msg, type Text } from '../common/i18n/message.js';
import { Injectable } from '@nestjs/common';
import { own } from '../common/own.js';
import { INVITATION_MESSAGES } from '../invitations/invitation-messages.js';
import { PASSWORD_RESET_MESSAGES } from './password-reset-mail.controller.js';
import { InvitationsService } from '../invitations/invitations.service.js';
import type { TenantId } from '../tenancy/tenant-id.js';
import { MIN_PART_SEARCH, SORT_KEYS, UserListRepository, type Cursor, type PageAt, type UserListRow, type UserSort } from '../users/user-list.repository.js';

export const PAGE_SIZE = 50;

const NOTICES: Record<string, string> = {
  saved: 'The user has been saved.',
  'user-deactivated': 'The user has been deactivated and logged out everywhere. They cannot log in until reactivated.',
  'user-reactivated': 'The user has been reactivated and can log in again.',
  'two-step-reset': 'Two-step login has been reset. The user logs in with their password alone until they set it up again.',
  ...INVITATION_MESSAGES,
  ...PASSWORD_RESET_MESSAGES,
};

/** The Users navigator: search, sort and paging read from the query string, so every view is a bookmarkable URL. */
@Injectable()
export class UserListPresenter {
  constructor(
    private readonly users: UserListRepository,
    private readonly invitations: InvitationsService,
  ) {}

  /** A fixed message for a code in the URL; never echoes the URL's text. */
  static notice(code: unknown): string | undefined {
    return own(NOTICES, code);
  }

  async model(tenantId: TenantId, query: Record<string, unknown>) {
    const search =
      typeof query.q === 'string'
        ? query.q
            .replace(/[\u0000-\u001f]/g, ' ')
            .trim()
            .slice(0, 100)
        : '';
    const sort = (typeof query.sort === 'string' && own(SORT_KEYS, query.sort) ? query.sort : 'login') as UserSort;
    const dir = query.dir === 'desc' ? 'desc' : 'asc';
    const status = query.status === 'active' || query.status === 'deactivated' ? query.status : undefined;
    // A cursor that does not decode (edited, truncated) simply means the first page.
    const after = decodeCursor(query.after);
    const before = decodeCursor(query.before);
    const at: PageAt = after ? { after } : before ? { before } : query.at === 'last' ? { last: true } : { first: true };
    const { rows, total, more, hasPrev, hasNext } = await this.users.page(tenantId, {
      search: search || undefined,
      status,
      sort,
      dir,
      at,
      pageSize: PAGE_SIZE,
    });
    const badges = await this.invitations.badgesOf(
      tenantId,
      rows.map((r) => r.id),
    );
    const link = (changes: Record<string, string | undefined>) => {
      const params = new URLSearchParams();
      const merged = { q: search || undefined, status, sort: sort === 'login' ? undefined : sort, dir: dir === 'asc' ? undefined : dir, ...changes };
      for (const [key, value] of Object.entries(merged)) if (value !== undefined && value !== '') params.set(key, String(value));
      const qs = params.toString();
      return '/security/users' + (qs ? '?' + qs : '');
    };
    const firstRow = rows[0];
    const lastRow = rows[rows.length - 1];
    const column = (key: UserSort, label: string) => {
      const active = sort === key;
      return {
        label,
        href: link({ sort: key, dir: active && dir === 'asc' ? 'desc' : undefined }),
        ariaSort: active ? (dir === 'asc' ? 'ascending' : 'descending') : undefined,
        arrow: active ? (dir === 'asc' ? '▲' : '▼') : '',
      };
    };
    return {
      title: 'Users',
      securityActive: true,
      nav: 'users',
      search,
      status,
      statuses: [
        { value: '', label: 'All', selected: !status },
        { value: 'active', label: 'Active', selected: status === 'active' },
        { value: 'deactivated', label: 'Deactivated', selected: status === 'deactivated' },
      ],
      total,
      more,
      searchHint:
        search && search.length < MIN_PART_SEARCH
          ? 'One or two characters find logins and names that start with them; type three or more to find any part of a login, name or email.'
          : undefined,
      summary: summary(rows.length, total, more, !hasPrev, !hasNext && !search),
      first: hasPrev ? link({}) : undefined,
      prev: hasPrev && firstRow ? link({ before: encodeCursor(firstRow) }) : undefined,
      next: hasNext && lastRow ? link({ after: encodeCursor(lastRow) }) : undefined,
      last: hasNext ? link({ at: 'last' }) : undefined,
      columns: [column('login', 'Login'), column('name', 'Name'), column('email', 'Email'), column('type', 'User Type')],
      notice: UserListPresenter.notice(query.notice),
      // The rows are this page's own: each gets its badges in place (copying 50 rows cost more than the rest of the page model).
      rows: rows.map((row) => Object.assign(row, { invitation: badges.get(row.id), requested: !!row.invitation_requested_at })),
    };
  }
}

/** "1–50 of 1000" where the position is known (first or last page), else "50 of 1000"; a broad search says "more than". */
function summary(shown: number, total: number, more: boolean, atStart: boolean, atEnd: boolean): Text {
  if (shown === 0) return 'No users found';
  const range = atStart ? { from: 1, to: shown } : atEnd ? { from: total - shown + 1, to: total } : undefined;
  if (range) return msg(more ? 'users.summary.rangeMore' : 'users.summary.range', { ...range, total: String(total) });
  return msg(more ? 'users.summary.countMore' : 'users.summary.count', { shown: String(shown), total: String(total) });
}

/** A page cursor in the URL: the row's sort key and id, as base64url JSON. */
export function encodeCursor(row: Pick<UserListRow, 'sort_key' | 'id'>): string {
  return Buffer.from(JSON.stringify([row.sort_key, row.id])).toString('base64url');
}

export function decodeCursor(value: unknown): Cursor | undefined {
  if (typeof value !== 'string' || value.length > 600) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
    const [key, id] = parsed as unknown[];
    if (typeof key !== 'string' || key.length > 300 || /\u0000/.test(key)) return undefined;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > MAX_ID) return undefined;
    return { key, id };
  } catch {
    return undefined;
  }
}

import { Injectable } from '@nestjs/common';
import { own } from '../common/own.js';
import { INVITATION_MESSAGES } from '../invitations/invitation-messages.js';
import { PASSWORD_RESET_MESSAGES } from './password-reset-mail.controller.js';
import { InvitationsService } from '../invitations/invitations.service.js';
import type { TenantId } from '../tenancy/tenant-id.js';
import { SORT_COLUMNS, UserListRepository, type UserSort } from '../users/user-list.repository.js';

export const PAGE_SIZE = 50;

const NOTICES: Record<string, string> = {
  saved: 'The user has been saved.',
  'user-deactivated': 'The user has been deactivated and logged out everywhere. They cannot log in until reactivated.',
  'user-reactivated': 'The user has been reactivated and can log in again.',
  ...INVITATION_MESSAGES,
  ...PASSWORD_RESET_MESSAGES,
};

/**
 * The Users navigator: search, sort and paging read from the query string, so every view is a
 * bookmarkable URL. Users gives the page, Invitations the latest invitation of its users.
 */
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
    const search = typeof query.q === 'string' ? query.q.trim().slice(0, 100) : '';
    const sort = (own(SORT_COLUMNS, query.sort) ? query.sort : 'login') as UserSort;
    const dir = query.dir === 'desc' ? 'desc' : 'asc';
    const status = query.status === 'active' || query.status === 'deactivated' ? query.status : undefined;
    const requestedPage = Math.max(1, Math.min(100_000, Number.parseInt(String(query.page ?? '1'), 10) || 1));
    const fetch = (page: number) => this.users.page(tenantId, { search: search || undefined, status, sort, dir, page, pageSize: PAGE_SIZE });
    let { rows, total, more } = await fetch(requestedPage);
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    // Past the counted matches of a broad search, Next stays while a full page came back.
    const page = more ? requestedPage : Math.min(requestedPage, pages);
    if (page !== requestedPage) ({ rows, total, more } = await fetch(page));
    const badges = await this.invitations.badgesOf(
      tenantId,
      rows.map((r) => r.id),
    );
    const link = (changes: Record<string, string | number | undefined>) => {
      const params = new URLSearchParams();
      const merged = {
        q: search || undefined,
        status,
        sort: sort === 'login' ? undefined : sort,
        dir: dir === 'asc' ? undefined : dir,
        page: page > 1 ? page : undefined,
        ...changes,
      };
      for (const [key, value] of Object.entries(merged)) if (value !== undefined && value !== '') params.set(key, String(value));
      const qs = params.toString();
      return '/security/users' + (qs ? '?' + qs : '');
    };
    const column = (key: UserSort, label: string) => {
      const active = sort === key;
      return {
        label,
        href: link({ sort: key, dir: active && dir === 'asc' ? 'desc' : undefined, page: undefined }),
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
      page,
      pages,
      first: rows.length === 0 ? 0 : (page - 1) * PAGE_SIZE + 1,
      last: (page - 1) * PAGE_SIZE + rows.length,
      prev: page > 1 ? link({ page: page - 1 }) : undefined,
      next: page < pages || (more && rows.length === PAGE_SIZE) ? link({ page: page + 1 }) : undefined,
      more,
      columns: [column('login', 'Login'), column('name', 'Name'), column('email', 'Email'), column('type', 'User Type')],
      notice: UserListPresenter.notice(query.notice),
      rows: rows.map((row) => {
        return {
          ...row,
          invitation: badges.get(row.id),
          requested: !!row.invitation_requested_at,
        };
      }),
    };
  }
}

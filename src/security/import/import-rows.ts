import { isLanguage } from '../../common/i18n/i18n.js';
import { isValidEmail, isValidLogin } from '../../users/user-rules.js';
import { USER_TYPES } from '../../users/user-type.js';
import type { UserFormValues } from '../user-form.presenter.js';

/** The contract's header, in this order. */
export const IMPORT_COLUMNS = ['login', 'name', 'email', 'user_type', 'roles', 'language'] as const;
export const MAX_IMPORT_ROWS = 100_000;

/** One data row of the file: the user as it will be created, the fields of the user form (or why it cannot be). */
export interface ImportRow extends Omit<UserFormValues, 'version'> {
  line: number;
  error: string | null;
}

/** A problem with the whole file: answered 400 with this text, nothing staged. */
export class ImportFileError extends Error {}

/** Comma unless the header line is separated by semicolons. */
export function delimiterOf(headerLine: string): ',' | ';' {
  return headerLine.includes(';') && !headerLine.includes(',') ? ';' : ',';
}

/** The header must name the contract's columns in order; `language` may be left out. */
export function checkHeader(fields: string[]): void {
  const names = fields.map((f) => f.trim().toLowerCase());
  const full = IMPORT_COLUMNS.join(',');
  const got = names.join(',');
  if (got === full || got === IMPORT_COLUMNS.slice(0, 5).join(',')) return;
  const shown = got.length > 120 ? got.slice(0, 120) + '…' : got;
  throw new ImportFileError(`The first line must be the header "${full}" (found "${shown}").`);
}

const TYPE_BY_NAME = new Map(USER_TYPES.map((t) => [t.toLowerCase(), t]));

/**
 * Checks what one row can say about itself: login, name, email, type, language, and its role names
 * against the instance's roles (`roleNames`: lower-case name -> name). Duplicates and logins already
 * in the instance need the other rows and the database, so they are checked by the caller.
 */
export function readRow(line: number, fields: string[], roleNames: Map<string, string>): ImportRow {
  const [login = '', name = '', email = '', type = '', roles = '', language = ''] = fields.map((f) => f.trim());
  const roleList = roles
    .split(';')
    .map((r) => r.trim())
    .filter(Boolean);
  const userType = TYPE_BY_NAME.get(type.toLowerCase()) ?? type;
  const row: ImportRow = { line, login, name, email, userType, roles: roleList.map((r) => roleNames.get(r.toLowerCase()) ?? r), language, error: null };
  row.error = problemOf(row, fields.length, roleNames);
  return row;
}

function problemOf(row: ImportRow, fieldCount: number, roleNames: Map<string, string>): string | null {
  if (fieldCount < 5 || fieldCount > 6) return `Expected 5 or 6 fields, found ${fieldCount}.`;
  if (!row.login) return 'The login is empty.';
  if (row.login.length > 64) return 'The login is longer than 64 characters.';
  if (!isValidLogin(row.login)) return 'Bad login: a login may hold letters, digits and . _ - @ only.';
  if (!row.name) return 'The name is empty.';
  if (row.name.length > 200) return 'The name is longer than 200 characters.';
  if (row.email && !isValidEmail(row.email)) return `Bad email address "${clip(row.email)}".`;
  if (!TYPE_BY_NAME.has(row.userType.toLowerCase())) return `Unknown user type "${clip(row.userType)}".`;
  const unknown = row.roles.find((r) => !roleNames.has(r.toLowerCase()));
  if (unknown !== undefined) return `Unknown role "${clip(unknown)}".`;
  if (new Set(row.roles.map((r) => r.toLowerCase())).size !== row.roles.length) return 'A role is named twice.';
  if (row.language && !isLanguage(row.language)) {
    return `Unknown language "${clip(row.language)}": use en, de, bg or leave it empty.`;
  }
  return null;
}

function clip(value: string): string {
  return value.length > 60 ? value.slice(0, 60) + '…' : value;
}

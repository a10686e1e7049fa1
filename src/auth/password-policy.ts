import { dictionary } from '@zxcvbn-ts/language-common';

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

// 49,000 most common passwords from zxcvbn-ts, shipped in node_modules: checked offline.
const COMMON = new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));

/**
 * Why a new password is refused, or undefined when it is fine. NIST 800-63B: length only, no
 * composition rules, refuse common passwords and the account's own words.
 */
export function passwordProblem(password: string, context: { login: string; name: string }): string | undefined {
  const length = [...password.normalize('NFKC')].length;
  if (length < PASSWORD_MIN) return `Use at least ${PASSWORD_MIN} characters.`;
  if (length > PASSWORD_MAX) return `Use at most ${PASSWORD_MAX} characters.`;
  const lower = password.toLowerCase();
  if (COMMON.has(lower)) return 'This password is one of the most commonly used passwords. Choose a less common one.';
  const own = [context.login, context.name].map((w) => w.trim().toLowerCase()).filter(Boolean);
  if (own.includes(lower) || own.includes(lower.replace(/\s+/g, ''))) return 'Your password must not be your login or your name.';
  return undefined;
}

export function commonPasswordCount(): number {
  return COMMON.size;
}

import { createRequire } from 'node:module';

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

// 49,000 most common passwords from zxcvbn-ts, shipped in node_modules: checked offline. Loaded on
// first use (signup, command line), so the many processes that never set a password do not hold it.
let common: Set<string> | undefined;
function commonPasswords(): Set<string> {
  if (!common) {
    const { dictionary } = createRequire(import.meta.url)('@zxcvbn-ts/language-common') as { dictionary: Record<string, string[]> };
    common = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  }
  return common;
}

/**
 * Why a new password is refused, or undefined when it is fine. NIST 800-63B: length only, no
 * composition rules, refuse common passwords and the account's own words.
 */
export function passwordProblem(password: string, context: { login: string; name: string }): string | undefined {
  const length = [...password.normalize('NFKC')].length;
  if (length < PASSWORD_MIN) return `Use at least ${PASSWORD_MIN} characters.`;
  if (length > PASSWORD_MAX) return `Use at most ${PASSWORD_MAX} characters.`;
  const lower = password.toLowerCase();
  if (commonPasswords().has(lower)) return 'This password is one of the most commonly used passwords. Choose a less common one.';
  const own = [context.login, context.name].map((w) => w.trim().toLowerCase()).filter(Boolean);
  if (own.includes(lower) || own.includes(lower.replace(/\s+/g, ''))) return 'Your password must not be your login or your name.';
  return undefined;
}

/** Why a new password typed twice is refused, field by field; empty when it is fine. */
export type NewPasswordErrors = Partial<Record<'password' | 'confirmPassword', string>>;

/** The rules of every form that sets a password (Create Account, Reset password, Change password): the policy first, then the confirmation. */
export function newPasswordErrors(password: string, confirmPassword: string, context: { login: string; name: string }): NewPasswordErrors {
  const problem = passwordProblem(password, context);
  if (problem) return { password: problem };
  if (password !== confirmPassword) return { confirmPassword: 'The passwords do not match.' };
  return {};
}

export function commonPasswordCount(): number {
  return commonPasswords().size;
}

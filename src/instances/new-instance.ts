import { passwordProblem } from '../users/password-policy.js';
import { isValidEmail, isValidLogin } from '../users/user-rules.js';
import { instanceNameProblem } from '../tenancy/instance-name.js';

export interface NewInstance {
  name: string;
  displayName?: string;
  adminLogin: string;
  adminEmail: string;
  adminPassword?: string;
}

/**
 * What is wrong with a new instance's input, before any database work, or undefined. Kept free of
 * framework imports so the command line can answer a typo at once.
 */
export function newInstanceProblem(input: NewInstance): string | undefined {
  const nameProblem = instanceNameProblem(input.name.trim());
  if (nameProblem) return `Instance name "${input.name.trim()}" ${nameProblem}.`;
  if (!isValidLogin(input.adminLogin)) return `Admin login "${input.adminLogin}" may hold 1 to 64 letters, digits and . _ - @.`;
  if (!isValidEmail(input.adminEmail)) return `Admin email "${input.adminEmail}" is not a valid email address.`;
  if (input.adminPassword === undefined) return undefined;
  const weak = passwordProblem(input.adminPassword, { login: input.adminLogin, name: 'Administrator' });
  return weak ? `Admin password refused: ${weak}` : undefined;
}

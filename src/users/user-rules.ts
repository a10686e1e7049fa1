/** Logins: 1-64 letters, digits and . _ - @ (so an email address works as a login). */
export const LOGIN_PATTERN = /^[\p{L}\p{N}._@-]{1,64}$/u;

export function isValidLogin(login: string): boolean {
  return LOGIN_PATTERN.test(login);
}

// Deliberately plain: one @, a dot in the domain, no spaces. The mail server is the final judge.
const EMAIL_PATTERN = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]{2,}$/;

export function isValidEmail(email: string): boolean {
  return email.length <= 254 && EMAIL_PATTERN.test(email);
}

import { randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

/** RFC 6238 as every authenticator app does it: SHA-1, 6 digits, 30 seconds. */
const PERIOD = 30;
const RECOVERY_CODE_COUNT = 10;
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

function totp(secretBase32: string, issuer = '', label = ''): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period: PERIOD, secret: Secret.fromBase32(secretBase32) });
}

/** A new 160-bit secret, base32 (what the person types into their app if they cannot scan). */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The otpauth:// URI the QR code carries. */
export function totpUri(secretBase32: string, issuer: string, label: string): string {
  return totp(secretBase32, issuer, label).toString();
}

/** The 30-second step a time falls in. */
export function stepAt(nowMs: number): number {
  return Math.floor(nowMs / 1000 / PERIOD);
}

/**
 * The step of a right code (the current step, the one before or the one after), or undefined for a
 * wrong code or one of a step at or before `lastUsedStep` (never the same code twice).
 */
export function acceptedStep(secretBase32: string, code: string, nowMs: number, lastUsedStep: number | null): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const delta = totp(secretBase32).validate({ token: code, timestamp: nowMs, window: 1 });
  if (delta === null) return undefined;
  const step = stepAt(nowMs) + delta;
  return lastUsedStep !== null && step <= lastUsedStep ? undefined : step;
}

/** Ten codes like `k7qm-x2ta-94ne` (about 58 bits each). */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = Array.from({ length: 12 }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]).join('');
    return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8)}`;
  });
}

/** What a typed recovery code is compared as: lower case, without spaces or hyphens. */
export function normalizeRecoveryCode(input: string): string {
  return input.toLowerCase().replace(/[\s-]/g, '');
}

/** A code typed on the second step: six digits for the app, otherwise a recovery code. */
export function looksLikeTotp(input: string): boolean {
  return /^\d{6}$/.test(input.replace(/\s/g, ''));
}

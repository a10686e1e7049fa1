import { Secret, TOTP } from 'otpauth';
import { describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box.js';
import { acceptedStep, newRecoveryCodes, newTotpSecret, normalizeRecoveryCode, stepAt } from './totp.js';

describe('TOTP', () => {
  const secret = newTotpSecret();
  const codeAt = (ms: number) => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: ms });
  const now = Date.UTC(2026, 11, 1, 10, 0, 15);

  it('accepts the code of this step and of the steps before and after, and nothing further', () => {
    expect(acceptedStep(secret, codeAt(now), now, null)).toBe(stepAt(now));
    expect(acceptedStep(secret, codeAt(now - 30_000), now, null)).toBe(stepAt(now) - 1);
    expect(acceptedStep(secret, codeAt(now + 30_000), now, null)).toBe(stepAt(now) + 1);
    expect(acceptedStep(secret, codeAt(now - 60_000), now, null)).toBeUndefined();
    expect(acceptedStep(secret, codeAt(now + 60_000), now, null)).toBeUndefined();
  });

  it('never accepts a code of a step already used, or of an earlier one', () => {
    expect(acceptedStep(secret, codeAt(now), now, stepAt(now))).toBeUndefined();
    expect(acceptedStep(secret, codeAt(now - 30_000), now, stepAt(now))).toBeUndefined();
    expect(acceptedStep(secret, codeAt(now + 30_000), now, stepAt(now))).toBe(stepAt(now) + 1);
  });

  it('refuses anything but six digits', () => {
    for (const bad of ['', '12345', '1234567', 'abcdef', ' 123456']) expect(acceptedStep(secret, bad, now, null)).toBeUndefined();
  });
});

describe('recovery codes and the secret box', () => {
  it('makes ten different codes that normalise as typed', () => {
    const codes = newRecoveryCodes();
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    expect(normalizeRecoveryCode(` ${codes[0].toUpperCase()} `)).toBe(codes[0].replace(/-/g, ''));
  });

  it('opens what it sealed only with the same context and secret', () => {
    const box = new SecretBox('x'.repeat(40), 'totp');
    const sealed = box.seal('JBSWY3DPEHPK3PXP', '1:2');
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(box.open(sealed, '1:2')).toBe('JBSWY3DPEHPK3PXP');
    expect(box.open(sealed, '1:3')).toBeUndefined();
    expect(new SecretBox('y'.repeat(40), 'totp').open(sealed, '1:2')).toBeUndefined();
    expect(box.open('garbage', '1:2')).toBeUndefined();
  });
});

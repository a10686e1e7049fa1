import { describe, expect, it } from 'vitest';
import { commonPasswordCount, passwordProblem } from './password-policy.js';

const ctx = { login: 'jdoe', name: 'Jane Doe' };

describe('passwordProblem', () => {
  it('accepts 8 characters and passphrases without composition rules', () => {
    expect(passwordProblem('tulip-vase', ctx)).toBeUndefined();
    expect(passwordProblem('correct horse battery staple', ctx)).toBeUndefined();
    expect(passwordProblem('Ünïcødé✓✓', ctx)).toBeUndefined();
  });

  it('counts characters, not bytes', () => {
    expect(passwordProblem('éééééééé', ctx)).toBeUndefined();
    expect(passwordProblem('ééééééé', ctx)).toMatch(/at least 8/);
  });

  it('refuses short and overlong passwords', () => {
    expect(passwordProblem('seven77', ctx)).toMatch(/at least 8/);
    expect(passwordProblem('x'.repeat(129), ctx)).toMatch(/at most 128/);
    expect(passwordProblem('x'.repeat(128) + '', { login: 'a', name: 'b' })).toBeUndefined();
  });

  it('refuses common passwords whatever the case', () => {
    expect(commonPasswordCount()).toBeGreaterThanOrEqual(10_000);
    expect(passwordProblem('password', ctx)).toMatch(/commonly used/);
    expect(passwordProblem('PassWord1', ctx)).toMatch(/commonly used/);
    expect(passwordProblem('12345678', ctx)).toMatch(/commonly used/);
  });

  it('refuses the login and the name', () => {
    expect(passwordProblem('JaneDoe1', { login: 'janedoe1', name: 'X Y' })).toMatch(/login or your name/);
    expect(passwordProblem('jane doe', ctx)).toMatch(/login or your name/);
  });
});

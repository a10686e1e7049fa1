import { describe, expect, it } from 'vitest';
import { instanceLabel, instanceNameProblem } from './instance-name.js';

describe('instance names', () => {
  it('accepts DNS labels', () => {
    expect(instanceNameProblem('acme')).toBeUndefined();
    expect(instanceNameProblem('acme-2')).toBeUndefined();
    expect(instanceNameProblem('a'.repeat(63))).toBeUndefined();
  });

  it('refuses bad, reserved and overlong names', () => {
    expect(instanceNameProblem('Acme!')).toMatch(/lowercase/);
    expect(instanceNameProblem('www')).toMatch(/reserved/);
    expect(instanceNameProblem('a'.repeat(64))).toMatch(/2 to 63/);
    expect(instanceNameProblem('-acme')).toMatch(/hyphen/);
    expect(instanceNameProblem('a')).toMatch(/2 to 63/);
  });
});

describe('instanceLabel', () => {
  it('maps hosts under the base host to their label', () => {
    expect(instanceLabel('acme.localhost:3000', 'localhost')).toBe('acme');
    expect(instanceLabel('ACME.my.erp.net', 'my.erp.net')).toBe('acme');
    expect(instanceLabel('localhost:3000', 'localhost')).toBe('');
  });

  it('rejects other hosts and nested labels', () => {
    expect(instanceLabel('evil.com', 'localhost')).toBeUndefined();
    expect(instanceLabel('a.b.localhost', 'localhost')).toBeUndefined();
    expect(instanceLabel('acme.localhost.evil.com', 'localhost')).toBeUndefined();
    expect(instanceLabel(undefined, 'localhost')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { redactPath } from './app-logger.js';

describe('redactPath', () => {
  const secret = ['/invitation', '/password/reset'];

  it('hides the token after every secret prefix, keeping what follows it', () => {
    expect(redactPath('/invitation/abcDEF_123', secret)).toBe('/invitation/[redacted]');
    expect(redactPath('/invitation/abc/request', secret)).toBe('/invitation/[redacted]/request');
    expect(redactPath('/password/reset/xyz', secret)).toBe('/password/reset/[redacted]');
  });

  it('leaves other paths alone, including ones that only start alike', () => {
    expect(redactPath('/password/forgot', secret)).toBe('/password/forgot');
    expect(redactPath('/invitations/bulk', secret)).toBe('/invitations/bulk');
    expect(redactPath('/login', [])).toBe('/login');
  });
});

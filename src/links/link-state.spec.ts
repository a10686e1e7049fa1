import { describe, expect, it } from 'vitest';
import { hashLinkToken, looksLikeLinkToken, newLinkToken } from './link-token.js';
import { linkStatus } from './link-state.js';

const now = new Date('2026-11-30T10:00:00Z');
const later = new Date('2026-11-30T11:00:00Z');
const earlier = new Date('2026-11-30T09:00:00Z');

describe('one-time link tokens', () => {
  it('are 43 base64url characters, and only their SHA-256 is kept', () => {
    const token = newLinkToken();
    expect(looksLikeLinkToken(token)).toBe(true);
    expect(hashLinkToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashLinkToken(token)).not.toContain(token);
    expect(looksLikeLinkToken('abc')).toBe(false);
  });
});

describe('linkStatus', () => {
  it('a valid link is valid until its expiry, then expired', () => {
    expect(linkStatus({ state: 'valid', expires_at: later }, now)).toBe('valid');
    expect(linkStatus({ state: 'valid', expires_at: earlier }, now)).toBe('expired');
    expect(linkStatus({ state: 'valid', expires_at: now }, now)).toBe('expired');
  });

  it('an ended link says how it ended, expired or not', () => {
    for (const state of ['used', 'revoked', 'replaced'] as const) {
      expect(linkStatus({ state, expires_at: later }, now)).toBe(state);
      expect(linkStatus({ state, expires_at: earlier }, now)).toBe(state);
    }
    expect(linkStatus(undefined, now)).toBe('unknown');
  });
});

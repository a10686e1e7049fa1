import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { tenantOf } from './current-tenant.decorator.js';
import { Tenant } from './tenant.entity.js';

describe('tenantOf (behind @CurrentTenant())', () => {
  it('gives the tenant the middleware resolved', () => {
    const tenant = Object.assign(new Tenant(), { name: 'acme' });
    expect(tenantOf({ tenant } as Request)).toBe(tenant);
  });

  it('throws when no tenant was resolved, never falling back to one', () => {
    expect(() => tenantOf({} as Request)).toThrow('No tenant was resolved for this request.');
  });
});

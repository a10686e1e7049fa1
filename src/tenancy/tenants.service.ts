import { Injectable } from '@nestjs/common';
import type { TenantId } from './tenant-id.js';
import type { Tenant } from './tenant.entity.js';
import { TenantsRepository } from './tenants.repository.js';

const CACHE_MS = 30_000;

/**
 * Maps instance names to tenants, with their brand (display name, accent colour, logo hash), default
 * language and time zone. Lookups
 * are kept for a short while: an anonymous page then costs no database round trip, whatever the
 * number of instances. Saving the settings drops the entry in the saving process at once; other
 * processes show a new brand within CACHE_MS. When the database cannot answer, a known instance is
 * still served from the cache (however old), so its login page keeps working through an outage.
 */
@Injectable()
export class TenantsService {
  private readonly cache = new Map<string, { tenant: Tenant | null; until: number }>();
  private readonly byId = new Map<TenantId, { tenant: Tenant; until: number }>();

  constructor(private readonly repo: TenantsRepository) {}

  async findByName(name: string): Promise<Tenant | null> {
    const hit = this.cache.get(name);
    if (hit && hit.until > Date.now()) return hit.tenant;
    let tenant: Tenant | null;
    try {
      tenant = (await this.repo.findByName(name)) ?? null;
    } catch (err) {
      if (hit?.tenant) return hit.tenant;
      throw err;
    }
    if (this.cache.size > 10_000) this.cache.clear();
    // Unknown names are kept only briefly, so a new instance answers within a second.
    this.cache.set(name, { tenant, until: Date.now() + (tenant ? CACHE_MS : 1_000) });
    return tenant;
  }

  /** By id (mail sent for an instance), kept as long as a lookup by name. */
  async findById(id: TenantId): Promise<Tenant | undefined> {
    const hit = this.byId.get(id);
    if (hit && hit.until > Date.now()) return hit.tenant;
    const tenant = await this.repo.findById(id);
    if (this.byId.size > 10_000) this.byId.clear();
    if (tenant) this.byId.set(id, { tenant, until: Date.now() + CACHE_MS });
    return tenant;
  }

  /** After the instance's settings changed: the next lookup reads them. */
  forget(name: string, id?: TenantId): void {
    this.cache.delete(name);
    if (id !== undefined) this.byId.delete(id);
  }
}

import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { sqlOne } from '../database/sql.js';
import { Tenant } from './tenant.entity.js';

const CACHE_MS = 30_000;

/**
 * Maps instance names to tenants. Names never change once created, so lookups are kept for a short
 * while: an anonymous page then costs no database round trip, whatever the number of instances.
 * When the database cannot answer, a known instance is still served from the cache (however old),
 * so its login page keeps working through an outage.
 */
@Injectable()
export class TenantsService {
  private readonly cache = new Map<string, { tenant: Tenant | null; until: number }>();

  constructor(private readonly em: EntityManager) {}

  async findByName(name: string): Promise<Tenant | null> {
    const hit = this.cache.get(name);
    if (hit && hit.until > Date.now()) return hit.tenant;
    let row;
    try {
      row = await sqlOne<{ id: number; name: string; display_name: string; created_at: Date }>(
        this.em,
        'select id, name, display_name, created_at from tenant where name = ?',
        [name],
      );
    } catch (err) {
      if (hit?.tenant) return hit.tenant;
      throw err;
    }
    const tenant = row ? Object.assign(new Tenant(), { id: row.id, name: row.name, displayName: row.display_name, createdAt: row.created_at }) : null;
    if (this.cache.size > 10_000) this.cache.clear();
    // Unknown names are kept only briefly, so a new instance answers within a second.
    this.cache.set(name, { tenant, until: Date.now() + (tenant ? CACHE_MS : 1_000) });
    return tenant;
  }

  forget(name: string): void {
    this.cache.delete(name);
  }
}

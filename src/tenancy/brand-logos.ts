import { Injectable } from '@nestjs/common';
import { HASH_IN_URL, type LogoType } from './brand.js';
import { TenantSettingsRepository, type LogoUpload } from './tenant-settings.repository.js';
import type { Tenant } from './tenant.entity.js';

/** At most 64 logos of at most 256 KB each: 16 MB. */
const CACHED_LOGOS = 64;

/**
 * The logos' bytes, for the logo route and the mails: read from the database by hash and kept in
 * memory (bounded) while the tenant, as cached, still names that logo. The database decides
 * otherwise, since another process may have saved a newer logo.
 */
@Injectable()
export class BrandLogos {
  private readonly logos = new Map<string, LogoUpload>();

  constructor(private readonly settings: TenantSettingsRepository) {}

  async byPrefix(tenant: Tenant, hashPrefix: string): Promise<LogoUpload | undefined> {
    const key = `${tenant.id}:${hashPrefix}`;
    const hit = this.logos.get(key);
    if (hit && tenant.brand?.logoHash?.startsWith(hashPrefix)) return hit;
    this.logos.delete(key);
    const found = await this.settings.logo(tenant.id, hashPrefix);
    if (!found) return undefined;
    if (this.logos.size >= CACHED_LOGOS) this.logos.delete(this.logos.keys().next().value!);
    this.logos.set(key, found);
    return found;
  }

  /** What a mail shows of the instance (mail/'s MailBrand): its name, its logo inline, its accent for the button. */
  async forMail(tenant: Tenant): Promise<{ name: string; logo?: { content: Buffer; contentType: LogoType }; buttonColour?: string }> {
    const hash = tenant.brand?.logoHash;
    const logo = hash ? await this.byPrefix(tenant, hash.slice(0, HASH_IN_URL)) : undefined;
    return {
      name: tenant.displayName,
      ...(logo && { logo: { content: logo.bytes, contentType: logo.type } }),
      ...(tenant.brand?.accent && { buttonColour: tenant.brand.accent }),
    };
  }
}

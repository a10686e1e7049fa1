declare const tenantIdBrand: unique symbol;

/**
 * The id of an instance. A plain number does not convert to it, so a user id cannot be passed
 * where a tenant id belongs. Made only by the tenant middleware's lookup and by repositories
 * reading tenant ids from the database (the import test holds that line).
 */
export type TenantId = number & { readonly [tenantIdBrand]: true };

export function tenantIdFromDatabase(id: number): TenantId {
  return id as TenantId;
}

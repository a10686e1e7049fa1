import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Parameterised SQL (`?` placeholders) on the EntityManager's connection, inside its transaction
 * when there is one. Used for lists and atomic updates where hydrating entities would only cost time.
 */
export async function sql<T = Record<string, unknown>>(em: EntityManager, query: string, params: unknown[] = []): Promise<T[]> {
  return em.getConnection().execute<T[]>(query, params as never[], 'all', em.getTransactionContext());
}

export async function sqlOne<T = Record<string, unknown>>(em: EntityManager, query: string, params: unknown[] = []): Promise<T | undefined> {
  return (await sql<T>(em, query, params))[0];
}

/**
 * A list as one PostgreSQL array literal, for `?::int[]` / `?::text[]`: the driver would otherwise
 * spread a JS array into a list of placeholders.
 */
export function pgArray(values: (string | number)[]): string {
  return '{' + values.map((v) => (typeof v === 'number' ? String(Math.trunc(v)) : '"' + v.replace(/[\\"]/g, '\\$&') + '"')).join(',') + '}';
}

/** The ORM's driver hands timestamps over as text: repositories turn them into Dates before anyone else sees them. */
export function asDate(value: Date | string | null | undefined): Date | null {
  return value === null || value === undefined ? null : value instanceof Date ? value : new Date(value);
}

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

/** An integer list as one PostgreSQL array parameter (`?::int[]`); the driver would otherwise spread a JS array. */
export function intArray(values: number[]): string {
  return `{${values.map((v) => Math.trunc(Number(v))).filter(Number.isFinite).join(',')}}`;
}

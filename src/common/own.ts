/**
 * The entry a lookup table holds under `key` itself. `key in table` and `table[key]` also find what
 * every object inherits (`constructor`, `__proto__`, `toString`, ...), so a key taken from a request
 * must be looked up here.
 */
export function own<V>(table: Readonly<Record<string, V>>, key: unknown): V | undefined {
  return typeof key === 'string' && Object.hasOwn(table, key) ? table[key] : undefined;
}
